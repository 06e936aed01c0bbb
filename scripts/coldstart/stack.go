package main

// The deployed-stack target: `coldstart --stack NAME` measures a deployed function instead
// of the local emulator. It lives in its own files (stack*.go) and is reached through one
// line at the top of main.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/cli"
	meas "github.com/ai-agent-connector/ai-agent-connector/internal/measure"
)

type stackFlags struct {
	meas.StackFlags
	url, history, local string
	runs, warm          int
	noSave              bool
}

const stackUsage = `Usage: go run ./scripts/coldstart --stack NAME [flags]

Measures the DEPLOYED function of stack NAME (stacks/Pulumi.NAME.yaml) and compares it with
the guide's targets, the previous run of the same stack and the local figures.

  AWS    forces real cold starts as lambda-perf does: sets ` + meas.NonceVar + ` on $LATEST
         (UpdateFunctionConfiguration), waits until LastUpdateStatus is Successful, invokes
         with LogType=Tail and reads Init Duration, Duration, Billed Duration and Max Memory
         Used from the REPORT line; then warm requests and pooled queries. The function's
         environment and memory are restored at the end. Needs AWS credentials allowed
         lambda:GetFunctionConfiguration, lambda:UpdateFunctionConfiguration and
         lambda:InvokeFunction on the function.
  GCP,   time GET /health and POST /v1/query over HTTP, split into DNS, connect, TLS and
  Azure  first byte (as curl -w does). A cold instance cannot be forced over HTTP: the
         report says how to get one on that platform.

Prints a table (or --json), a progress line on stderr; exit 1 when a figure misses its
target, 2 on errors. The run is kept in --history DIR/NAME.json for the next comparison.
`

// stackMain runs the deployed-stack target when args hold --stack; handled is false
// otherwise (the local target runs). For a bare --help it adds a pointer to this mode.
func stackMain(ctx context.Context, args []string, stdout, stderr io.Writer) (code int, handled bool) {
	if !hasFlag(args, "stack") {
		return 0, false
	}
	f, err := parseStackFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return cli.OK, true
	}
	if err != nil {
		return cli.Fail(stderr, "coldstart", err), true
	}
	res, err := runStack(ctx, f, &meas.Progress{W: stderr})
	if err != nil {
		return cli.Fail(stderr, "coldstart", err), true
	}
	cli.Print(stdout, f.JSON, res, func(w io.Writer) { _ = res.WriteTable(w) })
	if len(res.Failed()) > 0 {
		return cli.Failed, true
	}
	return cli.OK, true
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func parseStackFlags(args []string, stderr io.Writer) (stackFlags, error) {
	var f stackFlags
	fs := stackFlagSet(&f, stderr)
	if err := cli.ParseArgs(fs, args); err != nil {
		return f, err
	}
	if err := f.Validate(); err != nil {
		return f, err
	}
	if f.runs < 1 || f.warm < 1 {
		return f, fmt.Errorf("--runs (%d) and --warm (%d) must be at least 1", f.runs, f.warm)
	}
	return f, nil
}

func stackFlagSet(f *stackFlags, stderr io.Writer) *flag.FlagSet {
	fs := cli.FlagSet("coldstart --stack", stackUsage, stderr)
	f.Register(fs, meas.TargetHelp{
		Cold: "cold start p90 (AWS: Init Duration + Duration; GCP/Azure: first request total)",
		Warm: "warm request p90 (AWS: REPORT Duration; GCP/Azure: request written to first byte)",
		DB:   "pooled /v1/query p90",
	})
	fs.StringVar(&f.url, "url", "", "the function's base URL, replacing the \"url\" output; with no --outputs, Pulumi is not asked (GCP/Azure need nothing else; on AWS, without functionName the URL is timed over HTTP and no cold start is forced)")
	fs.IntVar(&f.runs, "runs", 3, "AWS: forced cold starts (each is a configuration update; GCP/Azure measure one first request)")
	fs.IntVar(&f.warm, "warm", 10, "warm requests (and pooled queries) after the cold ones")
	fs.StringVar(&f.history, "history", ".coldstart", "directory keeping the last run of each stack (NAME.json), relative to the repo root")
	fs.BoolVar(&f.noSave, "no-save", false, "do not keep this run as the stack's previous run")
	fs.StringVar(&f.local, "local", ".coldstart/local.json", "local target figures to compare with (save them with 'go run ./scripts/coldstart --json > FILE'); missing = no comparison")
	return fs
}

func runStack(ctx context.Context, f stackFlags, p *meas.Progress) (*meas.Result, error) {
	defer p.Done()
	root, err := build.FindRepoRoot(".")
	if err != nil {
		return nil, err
	}
	st, err := meas.LoadStack(ctx, root, f.Stack, "", f.Outputs, f.url)
	if err != nil {
		return nil, err
	}
	hist := rooted(root, f.history)
	prev, err := meas.LoadRun(meas.RunFile(hist, f.Stack))
	if err != nil {
		return nil, err
	}
	local, err := meas.LoadLocal(rooted(root, f.local))
	if err != nil {
		return nil, err
	}
	o := meas.RunOptions{Cold: f.runs, Warm: f.warm, APIKey: f.APIKey, Query: f.Query,
		Targets: f.Targets()}
	var res *meas.Result
	switch {
	case st.Outputs.Cloud == "aws" && st.Outputs.FunctionName != "":
		l, err := lambdaFor(ctx, st, f.Region, f.Endpoint)
		if err != nil {
			return nil, err
		}
		s, err := meas.MeasureLambdaSamples(ctx, l, o, p)
		if err != nil {
			return nil, err
		}
		res = meas.LambdaResult(f.Stack, l.Function, s, o)
	default:
		s, err := meas.MeasureHTTP(ctx, st.Outputs.URL, o, p)
		if err != nil {
			return nil, err
		}
		res = meas.HTTPResult(f.Stack, st.Outputs.Cloud, st.Outputs.URL, s, o)
	}
	res.Compare(prev, local)
	if prev != nil {
		res.Notes = append(res.Notes, "previous run: "+prev.When.Format(time.RFC3339))
	}
	if !f.noSave {
		if err := meas.SaveRun(meas.RunFile(hist, f.Stack), res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// lambdaFor makes the Lambda client for a stack's function.
func lambdaFor(ctx context.Context, st *meas.Stack, region, endpoint string) (*meas.Lambda, error) {
	if region == "" {
		region = st.Outputs.Region()
	}
	c, err := meas.NewLambdaClient(ctx, region, endpoint)
	if err != nil {
		return nil, err
	}
	l := &meas.Lambda{Client: c, Function: st.Outputs.FunctionName, Host: meas.HostOf(st.Outputs.URL)}
	if endpoint != "" {
		l.PollMin = 50 * time.Millisecond // a local endpoint updates at once
	}
	return l, nil
}

func rooted(root, p string) string {
	if p == "" || strings.HasPrefix(p, "/") {
		return p
	}
	return root + "/" + p
}
