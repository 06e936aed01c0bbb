package fakelambda

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func dummyZip(t *testing.T) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("bootstrap")
	w.Write([]byte("#!/bin/sh\n"))
	zw.Close()
	return b.Bytes()
}

// TestControlPlane checks the API shapes through the real SDK client: configuration reads
// and updates (with LastUpdateStatus going InProgress -> Successful), code updates, and the
// errors the SDK must surface as typed exceptions. No emulator runs here.
func TestControlPlane(t *testing.T) {
	s, err := New(context.Background(), Options{Name: "fn", Zip: dummyZip(t), Arch: "arm64", RIE: "/bin/false",
		Env: map[string]string{"A": "1"}, PendingPolls: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
	ctx := context.Background()

	got, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("fn")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(got.MemorySize) != 128 || got.Architectures[0] != types.ArchitectureArm64 || got.Environment.Variables["A"] != "1" ||
		got.LastUpdateStatus != types.LastUpdateStatusSuccessful || got.Runtime != types.RuntimeProvidedal2023 {
		t.Errorf("configuration: %+v", got)
	}
	if _, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"),
		MemorySize: aws.Int32(512), Environment: &types.Environment{Variables: map[string]string{"B": "2"}}}); err != nil {
		t.Fatal(err)
	}
	var statuses []types.LastUpdateStatus
	for range 3 {
		g, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("fn")})
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, g.LastUpdateStatus)
	}
	if statuses[0] != "InProgress" || statuses[1] != "InProgress" || statuses[2] != "Successful" {
		t.Errorf("statuses after an update: %v", statuses)
	}
	if s.MemoryMB() != 512 || s.Env()["A"] != "" || s.Env()["B"] != "2" {
		t.Errorf("update not applied (the environment is replaced whole): %d %v", s.MemoryMB(), s.Env())
	}
	full, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:000000000000:function:fn")})
	if err != nil || aws.ToString(full.Configuration.FunctionName) != "fn" {
		t.Errorf("GetFunction by ARN: %v %+v", err, full)
	}
	sha := s.CodeSha256()
	other := dummyZip(t) // the same bytes: the same hash
	if _, err := c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: other,
		Architectures: []types.Architecture{types.ArchitectureX8664}}); err != nil {
		t.Fatal(err)
	}
	if s.Arch() != "amd64" || s.CodeSha256() != sha {
		t.Errorf("code update: arch %s sha %s (was %s)", s.Arch(), s.CodeSha256(), sha)
	}

	var nf *types.ResourceNotFoundException
	if _, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("nope")}); !errors.As(err, &nf) {
		t.Errorf("unknown function: %v, want ResourceNotFoundException", err)
	}
	var bad *types.InvalidParameterValueException
	if _, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), MemorySize: aws.Int32(64)}); !errors.As(err, &bad) {
		t.Errorf("64 MB: %v, want InvalidParameterValueException", err)
	}
	if _, err := c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: []byte("not a zip")}); !errors.As(err, &bad) {
		t.Errorf("bad zip: %v, want InvalidParameterValueException", err)
	}
	if s.Updates() != 2 {
		t.Errorf("%d updates, want 2 (failed ones do not count)", s.Updates())
	}
}

func TestLineLogTrims(t *testing.T) {
	l := newLineLog(nil)
	for i := range keepLines + 10 {
		fmt.Fprintf(l, "line %d\n", i)
	}
	if len(l.lines) != keepLines || l.len() != keepLines+10 {
		t.Fatalf("kept %d, position %d", len(l.lines), l.len())
	}
	mark := l.len()
	l.Write([]byte("START RequestId: r\n"))
	l.Write([]byte("REPORT RequestId: r\tDuration: 1 ms\n"))
	got, err := l.waitFor(context.Background(), mark, "REPORT RequestId: r")
	if err != nil || len(got) != 2 || !strings.HasPrefix(got[0], "START") {
		t.Errorf("waitFor after trimming: %q %v", got, err)
	}
}
