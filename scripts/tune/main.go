// Command tune measures a deployed Lambda function at several memory sizes (and on both
// architectures), cold and warm, prices each setting per million requests with the
// cold-start share counted, recommends one under a strategy, draws a chart, and can write
// the chosen memoryMB back into the stack file.
//
//	go run ./scripts/tune --stack aws-dev --outputs out.json [--memory 128,256,512,1024] [--strategy balanced]
//
// Run `go run ./scripts/tune --help` for every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/cli"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure"
	"github.com/ai-agent-connector/ai-agent-connector/internal/tune"
)

const usage = `Usage: go run ./scripts/tune --stack NAME [flags]

Finds the memory size (and architecture) of the stack's Lambda function with cold starts
counted. For every setting it updates the function's memory (which retires its warm
environments), forces --runs real cold starts, then --warm warm requests and pooled queries,
reading Init Duration, Duration and Billed Duration from the REPORT lines. Switching the
architecture uploads this checkout's package for it. The function's code, memory and
environment are restored at the end; --write puts the chosen memoryMB into
stacks/Pulumi.NAME.yaml for the next pulumi up.

Cost per million requests = requests + duration GB-seconds (cold requests bill their init)
[+ provisioned concurrency spread over --requests-per-month], from the price table kept in
internal/tune/prices.json (source and date inside).

Strategies: cost (cheapest), speed (fastest; within 5% the cheaper wins), balanced
(minimum of weight*cost/cheapest + (1-weight)*latency/fastest). Latency is the cold request
(init + first query) when the stack has no warm instances, else the warm request.

AWS only: GCP and Azure cannot change memory through an invoke API; deploy each size and
compare with scripts/coldstart --stack.

Exit status: 0 when the recommended setting meets the targets, 1 when it misses one, 2 on errors.
`

type flags struct {
	measure.StackFlags
	stackFile, memory, arch, strategy, chart, prices    string
	runs, warm                                          int
	coldShare, requestsPerMonth, idle, lifetime, weight float64
	write                                               bool
}

func flagSet(f *flags, stderr io.Writer) *flag.FlagSet {
	fs := cli.FlagSet("tune", usage, stderr)
	f.Register(fs, measure.TargetHelp{
		Cold: "the recommended setting's cold request (init + first query), median",
		Warm: "the recommended setting's warm /health Duration, median",
		DB:   "the recommended setting's pooled query Duration, median",
	})
	fs.StringVar(&f.stackFile, "stack-file", "", "the stack's YAML file (default stacks/Pulumi.NAME.yaml); --write edits this file")
	fs.StringVar(&f.memory, "memory", "128,256,512,1024,1769,2048", "comma-separated memory sizes in MB to measure (128..10240; 1769 MB is one full vCPU)")
	fs.StringVar(&f.arch, "arch", "both", "architectures to measure: both, arm64 or amd64 (x86_64)")
	fs.IntVar(&f.runs, "runs", 2, "forced cold starts per setting")
	fs.IntVar(&f.warm, "warm", 5, "warm requests (and pooled queries) per setting")
	fs.Float64Var(&f.coldShare, "cold-share", -1, "share of requests that meet a cold start, 0..1; negative = estimate from the stack's warmInstances, --requests-per-month and --idle")
	fs.Float64Var(&f.requestsPerMonth, "requests-per-month", 1e6, "expected requests per month: for the cold-share estimate and to spread provisioned-concurrency cost")
	fs.Float64Var(&f.idle, "idle", 600, "seconds an idle Lambda environment is assumed to live (not published by AWS; 300-900 is commonly observed), for the cold-share estimate")
	fs.Float64Var(&f.lifetime, "env-lifetime", 7200, "seconds after which Lambda replaces even a busy environment (not published; a few hours is commonly observed; 0 = never), for the cold-share estimate")
	fs.StringVar(&f.strategy, "strategy", "balanced", "what to optimise: cost, speed or balanced")
	fs.Float64Var(&f.weight, "weight", 0.5, "balanced strategy: weight of cost, 0..1 (latency gets 1-weight)")
	fs.StringVar(&f.chart, "chart", "", "where to write the SVG chart of duration and cost vs memory (default .coldstart/NAME-tune.svg under the repo root)")
	fs.BoolVar(&f.write, "write", false, "write the recommended memoryMB into stacks/Pulumi.NAME.yaml (that key only; comments kept)")
	fs.StringVar(&f.prices, "prices", "", "price table JSON in the format of internal/tune/prices.json (default: that file, us-east-1)")
	return fs
}

type parsed struct {
	flags
	mems  []int
	archs []string
}

func parseFlags(args []string, stderr io.Writer) (parsed, error) {
	var p parsed
	fs := flagSet(&p.flags, stderr)
	if err := cli.ParseArgs(fs, args); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	for _, s := range strings.Split(p.memory, ",") {
		mb, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || mb < 128 || mb > 10240 {
			return p, fmt.Errorf("--memory %q: %q is not a size in MB between 128 and 10240", p.memory, s)
		}
		if !slices.Contains(p.mems, mb) {
			p.mems = append(p.mems, mb)
		}
	}
	slices.Sort(p.mems)
	switch p.arch {
	case "both":
		p.archs = []string{"arm64", "amd64"}
	case "arm64":
		p.archs = []string{"arm64"}
	case "amd64", "x86_64":
		p.archs = []string{"amd64"}
	default:
		return p, fmt.Errorf("--arch %q: allowed both, arm64, amd64", p.arch)
	}
	if p.runs < 1 || p.warm < 1 {
		return p, fmt.Errorf("--runs (%d) and --warm (%d) must be at least 1", p.runs, p.warm)
	}
	if p.coldShare > 1 {
		return p, fmt.Errorf("--cold-share %v: allowed 0..1 (negative = estimate)", p.coldShare)
	}
	if !slices.Contains(tune.Strategies, p.strategy) {
		return p, fmt.Errorf("--strategy %q: allowed %s", p.strategy, strings.Join(tune.Strategies, ", "))
	}
	if p.weight < 0 || p.weight > 1 {
		return p, fmt.Errorf("--weight %v: allowed 0..1", p.weight)
	}
	if p.requestsPerMonth <= 0 || p.idle <= 0 || p.lifetime < 0 {
		return p, errors.New("--requests-per-month and --idle must be positive, --env-lifetime 0 or more")
	}
	return p, nil
}

// Report is tune's result.
type Report struct {
	Stack         string          `json:"stack"`
	Function      string          `json:"function"`
	Strategy      string          `json:"strategy"`
	Weight        float64         `json:"weight"`
	ColdShare     float64         `json:"cold_share"`
	ColdShareFrom string          `json:"cold_share_from"`
	WarmInstances int             `json:"warm_instances"`
	Current       tune.Setting    `json:"current"`
	Recommended   tune.Point      `json:"recommended"`
	Points        []tune.Point    `json:"points"`
	Checks        []measure.Check `json:"checks"`
	Chart         string          `json:"chart"`
	Wrote         string          `json:"wrote,omitempty"`
	Prices        string          `json:"prices"`
	Notes         []string        `json:"notes,omitempty"`
	Run           *tune.TuneRun   `json:"run,omitempty"`
}

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return cli.OK
	}
	if err != nil {
		return cli.Fail(stderr, "tune", err)
	}
	prog := &measure.Progress{W: stderr}
	rep, err := sweep(ctx, p, prog)
	prog.Done()
	if err != nil {
		return cli.Fail(stderr, "tune", err)
	}
	cli.Print(stdout, p.JSON, rep, func(w io.Writer) { printTable(w, rep) })
	if !measure.AllOK(rep.Checks) {
		return cli.Failed
	}
	return cli.OK
}

func sweep(ctx context.Context, p parsed, prog *measure.Progress) (*Report, error) {
	root, err := build.FindRepoRoot(".")
	if err != nil {
		return nil, err
	}
	st, err := measure.LoadStack(ctx, root, p.Stack, p.stackFile, p.Outputs, "")
	if err != nil {
		return nil, err
	}
	if st.Outputs.Cloud == "aws" && st.Outputs.FunctionName == "" {
		return nil, fmt.Errorf("stack %s: output \"functionName\" is missing; tune invokes the function through the Lambda API", p.Stack)
	}
	if st.Outputs.Cloud != "aws" {
		return nil, fmt.Errorf("stack %s is on %s: tune changes memory through the Lambda API and works on AWS only; on %s deploy each memoryMB and compare with `go run ./scripts/coldstart --stack %s`",
			p.Stack, st.Outputs.Cloud, st.Outputs.Cloud, p.Stack)
	}
	prices := tune.DefaultPrices()
	if p.prices != "" {
		if prices, err = tune.LoadPrices(p.prices); err != nil {
			return nil, err
		}
	}
	region := p.Region
	if region == "" {
		region = st.Outputs.Region()
	}
	client, err := measure.NewLambdaClient(ctx, region, p.Endpoint)
	if err != nil {
		return nil, err
	}
	l := &measure.Lambda{Client: client, Function: st.Outputs.FunctionName, Host: measure.HostOf(st.Outputs.URL)}
	if p.Endpoint != "" {
		l.PollMin = 50 * time.Millisecond
	}
	orig, err := l.State(ctx)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "aac-tune-*")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(work)
	pkg := func(ctx context.Context, arch string) ([]byte, error) {
		a, err := build.Build(ctx, build.Target{Platform: build.Lambda, Arch: arch}, build.Options{RepoRoot: root, OutDir: work})
		if err != nil {
			return nil, err
		}
		return os.ReadFile(a.Path)
	}
	ro := measure.RunOptions{Cold: p.runs, Warm: p.warm, APIKey: p.APIKey, Query: p.Query}
	tr, err := tune.TuneLambda(ctx, l, tune.TuneOptions{MemoryMB: p.mems, Archs: p.archs, Run: ro, Package: pkg}, prog)
	if err != nil {
		return nil, err
	}

	rep := &Report{Stack: p.Stack, Function: l.Function, Strategy: p.strategy, Weight: p.weight,
		WarmInstances: st.Config.WarmInstances, Current: tune.Setting{Arch: orig.Arch, MemoryMB: orig.MemoryMB},
		Prices: prices.Source + " (" + prices.Region + "; " + prices.AsOf + ")", Notes: tr.Notes, Run: &tr}
	rep.ColdShare, rep.ColdShareFrom = p.coldShare, "--cold-share"
	if p.coldShare < 0 {
		rep.ColdShare = tune.EstimateColdShare(p.requestsPerMonth, st.Config.WarmInstances, p.idle, p.lifetime)
		rep.ColdShareFrom = fmt.Sprintf("estimated: warmInstances %d, %.0f requests/month, %.0f s idle expiry, %.0f s environment lifetime", st.Config.WarmInstances, p.requestsPerMonth, p.idle, p.lifetime)
	}
	model := tune.CostModel{Prices: prices, ColdShare: rep.ColdShare, WarmInstances: st.Config.WarmInstances, RequestsPerMonth: p.requestsPerMonth}
	best, err := tune.Recommend(tr.Points, model, p.strategy, p.weight)
	if err != nil {
		return nil, err
	}
	rep.Points, rep.Recommended = tr.Points, tr.Points[best]
	s := tr.Samples[rep.Recommended.Setting.String()]
	rep.Checks = []measure.Check{
		measure.Below("cold request (init + first query), median", rep.Recommended.ColdMs, measure.Ms(p.MaxCold), "ms"),
		measure.Below("warm /health Duration, median", measure.Summarize(durations(s.Warm)).Median, measure.Ms(p.MaxWarm), "ms"),
	}
	if len(s.PooledQuery) > 0 {
		rep.Checks = append(rep.Checks, measure.Below("pooled query Duration, median", measure.Summarize(durations(s.PooledQuery)).Median, measure.Ms(p.MaxDB), "ms"))
	}
	if rep.Recommended.Arch != st.Config.Arch {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the recommended arch is %s; the stack says %s: set ai-agent-connector:arch yourself (--write changes memoryMB only)", rep.Recommended.Arch, st.Config.Arch))
	}

	rep.Chart = p.chart
	if rep.Chart == "" {
		rep.Chart = filepath.Join(root, ".coldstart", p.Stack+"-tune.svg")
	}
	if err := os.MkdirAll(filepath.Dir(rep.Chart), 0o755); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	cf, err := os.Create(rep.Chart)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	err = tune.WriteChart(cf, tr.Points, tune.ChartInfo{Recommended: best,
		Title: fmt.Sprintf("%s: %s, strategy %s", p.Stack, l.Function, p.strategy),
		Note:  fmt.Sprintf("cold share %.3g (%s); prices %s %s", rep.ColdShare, rep.ColdShareFrom, prices.Region, prices.Currency)})
	if cerr := cf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	if p.write {
		file := st.Config.StackFile
		if !filepath.IsAbs(file) {
			file = filepath.Join(root, file)
		}
		old, err := tune.SetMemoryMB(file, rep.Recommended.MemoryMB)
		if err != nil {
			return nil, err
		}
		rep.Wrote = fmt.Sprintf("%s: %s %s -> %d (run pulumi up -s %s to apply)", st.Config.StackFile, tune.MemoryKey, old, rep.Recommended.MemoryMB, p.Stack)
	}
	return rep, nil
}

func durations(invs []measure.Invocation) []float64 {
	out := make([]float64, 0, len(invs))
	for _, i := range invs {
		out = append(out, i.Report.DurationMs)
	}
	return out
}

func printTable(w io.Writer, r *Report) {
	fmt.Fprintf(w, "stack %s, function %s (now %s); strategy %s", r.Stack, r.Function, r.Current, r.Strategy)
	if r.Strategy == "balanced" {
		fmt.Fprintf(w, " (cost weight %.2f)", r.Weight)
	}
	fmt.Fprintf(w, "\ncold-start share %.4g (%s)\n\n", r.ColdShare, r.ColdShareFrom)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "arch\tmemory MB\tinit ms\tcold ms\twarm ms\tcold billed ms\twarm billed ms\tmax mem MB\tUSD / 1M req\tscore\t\t")
	for _, p := range r.Points {
		mark := ""
		if p.Setting == r.Recommended.Setting {
			mark = "<- recommended"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t%.0f\t%.4f\t%.4g\t%s\t\n", p.Arch, p.MemoryMB, p.InitMs, p.ColdMs, p.WarmMs,
			p.ColdBilled, p.WarmBilled, p.MaxMemory, p.CostPerMillion, p.Score, mark)
	}
	tw.Flush()
	fmt.Fprintln(w)
	measure.WriteChecks(w, r.Checks)
	fmt.Fprintf(w, "chart: %s\nprices: %s\n", r.Chart, r.Prices)
	if r.Wrote != "" {
		fmt.Fprintln(w, "wrote "+r.Wrote)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}
