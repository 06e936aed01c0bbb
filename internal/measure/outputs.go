package measure

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Outputs are the stack outputs the tools use (names as infra/program exports them).
type Outputs struct {
	Cloud        string `json:"cloud"`
	URL          string `json:"url"`
	FunctionName string `json:"functionName,omitempty"` // AWS
	AliasARN     string `json:"aliasArn,omitempty"`     // AWS
	// Raw holds every output as read, for messages and for outputs added later.
	Raw map[string]any `json:"-"`
}

// Region returns the AWS region of the alias ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME:ALIAS).
func (o Outputs) Region() string {
	parts := strings.Split(o.AliasARN, ":")
	if len(parts) > 3 && parts[0] == "arn" {
		return parts[3]
	}
	return ""
}

// ParseOutputs reads the JSON object printed by `pulumi stack output --json`. Values the CLI
// prints as "[secret]" (without --show-secrets) are kept as such; none of the fields used
// here is a secret.
func ParseOutputs(data []byte, source string) (Outputs, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return Outputs{}, fmt.Errorf("%s: not the JSON object of `pulumi stack output --json`: %w", source, err)
	}
	o := Outputs{Raw: raw}
	str := func(key string) (string, error) {
		v, ok := raw[key]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%s: output %q is %T (%v), want a string", source, key, v, v)
		}
		return s, nil
	}
	// The json tags of Outputs are the one spelling of the output names here;
	// outputs_test.go checks them against the components' pulumi tags.
	v := reflect.ValueOf(&o).Elem()
	for _, f := range stringFields() {
		s, err := str(jsonName(f))
		if err != nil {
			return Outputs{}, err
		}
		v.FieldByIndex(f.Index).SetString(s)
	}
	if o.URL == "" && o.FunctionName == "" {
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return Outputs{}, fmt.Errorf("%s: neither output \"url\" nor \"functionName\" is present (outputs: %s); was the stack deployed with this program?", source, strings.Join(keys, ", "))
	}
	switch o.Cloud {
	case "", "aws", "gcp", "azure":
	default:
		return Outputs{}, fmt.Errorf("%s: output \"cloud\" = %q, allowed: aws, gcp, azure", source, o.Cloud)
	}
	return o, nil
}

// ReadOutputsFile reads a saved `pulumi stack output --json > FILE`.
func ReadOutputsFile(path string) (Outputs, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Outputs{}, fmt.Errorf("read stack outputs: %w", err)
	}
	return ParseOutputs(b, path)
}

// StackOutputs asks Pulumi for the outputs of stack through the Automation API, with the
// project in workDir. It needs the pulumi CLI and a logged-in backend (not available in this
// build environment; the tests use the file form).
func StackOutputs(ctx context.Context, workDir, stack string) (Outputs, error) {
	s, err := auto.SelectStackLocalSource(ctx, stack, workDir)
	if err != nil {
		return Outputs{}, fmt.Errorf("select stack %q in %s (needs the pulumi CLI and a login; or pass --outputs FILE from `pulumi stack output --json`): %w", stack, workDir, err)
	}
	om, err := s.Outputs(ctx)
	if err != nil {
		return Outputs{}, fmt.Errorf("outputs of stack %q: %w", stack, err)
	}
	plain := make(map[string]any, len(om))
	for k, v := range om {
		plain[k] = v.Value
	}
	b, err := json.Marshal(plain)
	if err != nil {
		return Outputs{}, fmt.Errorf("outputs of stack %q: %w", stack, err)
	}
	return ParseOutputs(b, "stack "+stack)
}

// stringFields are the fields of Outputs read from the stack outputs: every string
// field with a json tag.
func stringFields() []reflect.StructField {
	var fs []reflect.StructField
	t := reflect.TypeFor[Outputs]()
	for i := range t.NumField() {
		if f := t.Field(i); f.Type.Kind() == reflect.String && jsonName(f) != "" {
			fs = append(fs, f)
		}
	}
	return fs
}

// jsonName is the output name of field f: its json tag up to the first comma ("" for "-").
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}
