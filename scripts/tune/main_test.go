package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure/measuretest"
	"github.com/ai-agent-connector/ai-agent-connector/internal/tune"
)

type svgDoc struct {
	Polylines []struct {
		Class  string `xml:"class,attr"`
		Arch   string `xml:"data-arch,attr"`
		Points string `xml:"points,attr"`
	} `xml:"g>polyline"`
	Circles []struct {
		Class string `xml:"class,attr"`
	} `xml:"g>circle"`
	Texts []string `xml:"text"`
}

// TestTuneEndToEnd runs tune against the fake Lambda API: two memory sizes on both
// architectures (the other arch's package is uploaded and runs under qemu-user), real cold
// starts, a recommendation, the chart, --write on a copy of the real aws-dev stack file,
// and the function left as it was.
func TestTuneEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function for both archs and runs PostgreSQL and the Lambda emulator")
	}
	measuretest.SetFakeCredentials(t)
	db := measuretest.NewDB(t)
	fake, api := measuretest.FakeLambda(t, db, build.HostArch(), 256)
	origSha, origEnv := fake.CodeSha256(), fake.Env()
	dir := t.TempDir()
	root := measuretest.Root(t)
	stackFile := filepath.Join(dir, "Pulumi.aws-dev.yaml")
	src, err := os.ReadFile(filepath.Join(root, "stacks", "Pulumi.aws-dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(stackFile, src, 0o644)
	outputs := filepath.Join(dir, "outputs.json")
	b, _ := json.Marshal(map[string]string{"cloud": "aws", "functionName": measuretest.FunctionName,
		"aliasArn": "arn:aws:lambda:us-east-1:000000000000:function:" + measuretest.FunctionName + ":live", "url": "https://x.lambda-url.us-east-1.on.aws/"})
	os.WriteFile(outputs, b, 0o644)
	chart := filepath.Join(dir, "tune.svg")

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--stack", "aws-dev", "--stack-file", stackFile, "--outputs", outputs, "--endpoint-url", api,
		"--memory", "512,128", "--arch", "both", "--runs", "1", "--warm", "2", "--api-key", measuretest.APIKey,
		"--strategy", "cost", "--cold-share", "0.2", "--chart", chart, "--write", "--json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if len(rep.Points) != 4 {
		t.Fatalf("%d points, want 2 archs x 2 sizes: %+v", len(rep.Points), rep.Points)
	}
	seen := map[string]bool{}
	for _, p := range rep.Points {
		seen[p.Setting.String()] = true
		if p.InitMs <= 0 || p.ColdMs <= p.InitMs || p.WarmMs <= 0 || p.CostPerMillion <= 0.2 {
			t.Errorf("%s: implausible figures %+v", p.Setting, p)
		}
		if p.CostPerMillion < rep.Recommended.CostPerMillion {
			t.Errorf("strategy cost recommended %s at %v, but %s costs %v", rep.Recommended.Setting, rep.Recommended.CostPerMillion, p.Setting, p.CostPerMillion)
		}
	}
	for _, s := range []string{"arm64/128MB", "arm64/512MB", "amd64/128MB", "amd64/512MB"} {
		if !seen[s] {
			t.Errorf("setting %s not measured", s)
		}
	}
	if rep.ColdShare != 0.2 || rep.Current != (tune.Setting{Arch: build.HostArch(), MemoryMB: 256}) {
		t.Errorf("cold share %v, current %v", rep.ColdShare, rep.Current)
	}

	// The function is as it was: memory, arch, environment, and the same code (the build
	// is deterministic, so re-uploading the deployed arch gives the same hash).
	if fake.MemoryMB() != 256 || fake.Arch() != build.HostArch() || fake.CodeSha256() != origSha {
		t.Errorf("not restored: %d MB, %s, sha %s (was %s)", fake.MemoryMB(), fake.Arch(), fake.CodeSha256(), origSha)
	}
	if env := fake.Env(); len(env) != len(origEnv) || env[measure.NonceVar] != "" {
		t.Errorf("environment not restored: %v", env)
	}
	for _, n := range rep.Notes {
		if strings.Contains(n, "differs from the deployed one") {
			t.Errorf("unexpected note: %s", n)
		}
	}

	// --write changed memoryMB only.
	cfg, err := config.FromStackFile(root, "aws-dev", stackFile)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MemoryMB != rep.Recommended.MemoryMB || !strings.Contains(rep.Wrote, tune.MemoryKey) {
		t.Errorf("stack file memoryMB %d, recommended %d (wrote %q)", cfg.MemoryMB, rep.Recommended.MemoryMB, rep.Wrote)
	}

	// The chart: well-formed SVG, 3 series per arch with one vertex per size, the
	// recommendation marked in both panels.
	raw, err := os.ReadFile(chart)
	if err != nil {
		t.Fatal(err)
	}
	var doc svgDoc
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("chart is not well-formed XML: %v", err)
	}
	if len(doc.Polylines) != 6 {
		t.Errorf("%d series, want 6", len(doc.Polylines))
	}
	for _, pl := range doc.Polylines {
		if n := len(strings.Fields(pl.Points)); n != 2 {
			t.Errorf("series %s/%s has %d points, want 2", pl.Class, pl.Arch, n)
		}
	}
	marked := 0
	for _, c := range doc.Circles {
		if c.Class == "recommended" {
			marked++
		}
	}
	if marked != 2 || !strings.Contains(strings.Join(doc.Texts, " "), "recommended: "+rep.Recommended.Setting.String()) {
		t.Errorf("recommendation marked %d times; texts %q", marked, doc.Texts)
	}
}

func TestFlags(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	var f flags
	flagSet(&f, &bytes.Buffer{}).VisitAll(func(fl *flag.Flag) {
		if !strings.Contains(stderr.String(), "-"+fl.Name) || len(fl.Usage) < 20 {
			t.Errorf("--help does not explain -%s", fl.Name)
		}
	})
	for _, args := range [][]string{
		{}, {"--stack", "aws-dev", "--memory", "64"}, {"--stack", "aws-dev", "--memory", "abc"},
		{"--stack", "aws-dev", "--arch", "mips"}, {"--stack", "aws-dev", "--strategy", "cheap"},
		{"--stack", "aws-dev", "--weight", "2"}, {"--stack", "aws-dev", "--cold-share", "1.5"},
		{"--stack", "gcp-dev", "--outputs", writeOutputs(t, `{"cloud":"gcp","url":"http://127.0.0.1:1"}`)},
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, &bytes.Buffer{}, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and an error", args, code, stderr.String())
		}
	}
}

func writeOutputs(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "out.json")
	os.WriteFile(p, []byte(s), 0o644)
	return p
}
