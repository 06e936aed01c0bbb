package outputs_test

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/outputs"
)

type component struct {
	pulumi.ResourceState

	URL      pulumi.StringOutput `pulumi:"url"`
	Optional pulumi.StringOutput `pulumi:"optional"`
	Untagged pulumi.StringOutput
	Count    int `pulumi:"count"`
}

func TestOf(t *testing.T) {
	c := &component{URL: pulumi.String("https://x").ToStringOutput(), Untagged: pulumi.String("u").ToStringOutput(), Count: 3}
	m := outputs.Of(c)
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	// Only tagged outputs that are set: not the zero Optional, the untagged field or the int.
	if want := []string{"url"}; !slices.Equal(got, want) {
		t.Fatalf("outputs = %v, want %v", got, want)
	}
	if m["url"] != c.URL {
		t.Errorf("url is not the component's own output")
	}
}
