package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	meas "github.com/ai-agent-connector/ai-agent-connector/internal/measure"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure/measuretest"
)

func writeJSON(t *testing.T, path string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runStackCLI(t *testing.T, args ...string) (int, *meas.Result, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code, handled := stackMain(context.Background(), args, &stdout, &stderr)
	if !handled {
		t.Fatalf("stackMain did not handle %v", args)
	}
	var r meas.Result
	if code != 2 {
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			t.Fatalf("exit %d; stdout is not a result: %v\n%s\nstderr: %s", code, err, stdout.String(), stderr.String())
		}
	}
	return code, &r, stderr.String()
}

func figure(t *testing.T, r *meas.Result, key string) meas.Figure {
	t.Helper()
	for _, f := range r.Figures {
		if f.Key == key {
			return f
		}
	}
	t.Fatalf("no figure %q in %+v", key, r.Figures)
	return meas.Figure{}
}

// TestStackTargets drives `coldstart --stack` end to end: AWS through the fake Lambda API
// (real cold starts of the real function under the RIE), GCP through a local HTTP target.
func TestStackTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function and runs PostgreSQL and the Lambda emulator")
	}
	measuretest.SetFakeCredentials(t)
	db := measuretest.NewDB(t)
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	// The local target's own report type, so a change of its JSON breaks this test.
	local := writeJSON(t, filepath.Join(dir, "local.json"), &Report{Target: "local",
		Connector: Summary{Init: summarize([]time.Duration{3 * time.Millisecond}), WarmQuery: summarize([]time.Duration{time.Millisecond})}})

	t.Run("aws", func(t *testing.T) {
		fake, api := measuretest.FakeLambda(t, db, build.HostArch(), 256)
		outputs := writeJSON(t, filepath.Join(dir, "aws.json"), map[string]any{
			"cloud": "aws", "functionName": measuretest.FunctionName, "url": "https://abc.lambda-url.us-east-1.on.aws/",
			"aliasArn": "arn:aws:lambda:us-east-1:000000000000:function:" + measuretest.FunctionName + ":live", "proxyEndpoint": "[secret]"})
		common := []string{"--stack", "aws-dev", "--outputs", outputs, "--endpoint-url", api, "--api-key", measuretest.APIKey,
			"--history", hist, "--local", local, "--json"}
		code, r, stderr := runStackCLI(t, append(common, "--runs", "2", "--warm", "3")...)
		if code != 0 {
			t.Fatalf("exit %d; stderr: %s; failed: %+v", code, stderr, r.Failed())
		}
		if f := figure(t, r, "cold_init_ms"); f.Summary.N != 2 || f.Summary.Min <= 0 || f.Local == nil || *f.Local != 3 || f.Previous != nil {
			t.Errorf("cold_init_ms: %+v", f)
		}
		if f := figure(t, r, "pooled_query_ms"); f.Summary.N != 3 || f.Pass == nil || !*f.Pass || f.Local == nil {
			t.Errorf("pooled_query_ms: %+v", f)
		}
		figure(t, r, "first_query_ms")
		if _, err := os.Stat(filepath.Join(hist, "aws-dev.json")); err != nil {
			t.Errorf("run not kept: %v", err)
		}
		// A target no request can meet: exit 1, and the previous run is compared.
		code, r, _ = runStackCLI(t, append(common, "--runs", "1", "--warm", "1", "--max-warm", "1ns")...)
		if code != 1 {
			t.Errorf("exit %d with --max-warm 1ns, want 1", code)
		}
		if f := figure(t, r, "warm_ms"); f.Pass == nil || *f.Pass || f.Previous == nil {
			t.Errorf("warm_ms: %+v", f)
		}
		// A wrong key: the query is refused, the run fails with a hint, the function is restored.
		var stdout, stderr2 bytes.Buffer
		code, _ = stackMain(context.Background(), []string{"--stack", "aws-dev", "--outputs", outputs, "--endpoint-url", api, "--api-key", "wrong-key-0123456789abcdef",
			"--history", hist, "--no-save", "--runs", "1", "--warm", "1"}, &stdout, &stderr2)
		if code != 2 || !strings.Contains(stderr2.String(), "status 401") || !strings.Contains(stderr2.String(), "--api-key") {
			t.Errorf("wrong key: exit %d, stderr %q", code, stderr2.String())
		}
		if env := fake.Env(); env[meas.NonceVar] != "" {
			t.Errorf("environment not restored after a failed run: %v", env)
		}
	})

	url := measuretest.HTTPTarget(t, db)
	t.Run("gcp", func(t *testing.T) {
		outputs := writeJSON(t, filepath.Join(dir, "gcp.json"), map[string]any{"cloud": "gcp", "url": url})
		code, r, stderr := runStackCLI(t, "--stack", "gcp-dev", "--outputs", outputs, "--api-key", measuretest.APIKey,
			"--warm", "3", "--history", hist, "--local", local, "--json")
		if code != 0 {
			t.Fatalf("exit %d; stderr: %s", code, stderr)
		}
		if f := figure(t, r, "warm_ms"); f.Summary.N != 3 {
			t.Errorf("warm_ms: %+v", f)
		}
		if f := figure(t, r, "first_connect_ms"); f.Summary.Max <= 0 {
			t.Errorf("first_connect_ms: %+v (a new connection per sample)", f)
		}
		figure(t, r, "pooled_query_ms")
		if !strings.Contains(strings.Join(r.Notes, " "), "cannot be forced") {
			t.Errorf("notes do not say that GCP cannot force a cold instance: %v", r.Notes)
		}
	})

	// The form the GCP and Azure components export as coldStartCommand: --url, no outputs.
	t.Run("azure --url", func(t *testing.T) {
		code, r, stderr := runStackCLI(t, "--stack", "azure-dev", "--url", url, "--warm", "2", "--history", hist, "--no-save", "--json")
		if code != 0 {
			t.Fatalf("exit %d; stderr: %s", code, stderr)
		}
		if r.Cloud != "azure" || r.Endpoint != url || figure(t, r, "warm_ms").Summary.N != 2 {
			t.Errorf("result %+v", r)
		}
		if _, err := os.Stat(filepath.Join(hist, "azure-dev.json")); err == nil {
			t.Error("--no-save kept the run")
		}
	})
}

func TestStackFlags(t *testing.T) {
	var stderr bytes.Buffer
	if code, handled := stackMain(context.Background(), []string{"--stack", "aws-dev", "--help"}, &bytes.Buffer{}, &stderr); !handled || code != 0 {
		t.Fatalf("--help: handled %v code %d", handled, code)
	}
	var f stackFlags
	stackFlagSet(&f, &bytes.Buffer{}).VisitAll(func(fl *flag.Flag) {
		if !strings.Contains(stderr.String(), "-"+fl.Name) || len(fl.Usage) < 20 {
			t.Errorf("--help does not explain -%s", fl.Name)
		}
	})
	for _, args := range [][]string{
		{"--stack", ""}, {"--stack", "aws-dev", "--runs", "0"}, {"--stack", "aws-dev", "--max-db", "0s"}, {"--stack", "aws-dev", "extra"},
		{"--stack", "no-such-stack", "--outputs", os.DevNull},
	} {
		var stderr bytes.Buffer
		code, handled := stackMain(context.Background(), args, &bytes.Buffer{}, &stderr)
		if !handled || code != 2 || stderr.Len() == 0 {
			t.Errorf("%v: handled %v code %d stderr %q; want an error and exit 2", args, handled, code, stderr.String())
		}
	}
	if _, handled := stackMain(context.Background(), []string{"--runs", "1"}, &bytes.Buffer{}, &bytes.Buffer{}); handled {
		t.Error("without --stack the local target must run")
	}
}
