// Command load holds a fixed-rate load on the connector for a bounded time,
// on loopback only, and fails unless it held: zero 5xx, p99 within target,
// memory flat (`go run ./scripts/load`, `make reliability`).
//
// It runs two targets, each against a throwaway PostgreSQL (or DATABASE_URL)
// with its demo data:
//
//   - local:  the function/cmd/local binary (plain HTTP, a concurrent host);
//   - lambda: the Lambda artifact's bootstrap under the AWS Lambda Runtime
//     Interface Emulator, behind the Function URL bridge (internal/lambdaemu).
//     One execution environment serves one invoke at a time, as on Lambda,
//     so its rate is lower.
//
// The function process's RSS is sampled from /proc every 500 ms. Exit
// status 0 when every target passed, 1 otherwise, 2 when it could not run.
// The root module reaches the function module only through processes (see
// function/internal/pgtestd for why it does not import it).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/cli"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localrun"
)

const apiKey = "load-test-key-0123456789abcdef"

type options struct {
	duration    time.Duration
	warmup      time.Duration
	rate        float64
	lambdaRate  float64
	targets     string
	p99         time.Duration
	lambdaP99   time.Duration
	growthMB    int
	pgbouncer   bool
	asJSON      bool
	maxInFlight int
	step        func(format string, args ...any)
}

const usage = `Usage: go run ./scripts/load [--duration 60s] [--rate 200] [--lambda-rate 50] [--targets local,lambda] [--pgbouncer] [--json]

Holds a fixed-rate load on the connector on loopback for a bounded time, against
function/cmd/local and against the Lambda artifact under the Runtime Interface Emulator,
and fails unless it held: zero 5xx, p99 within target, memory flat. Exit status 0 when
every target passed, 1 otherwise, 2 when it could not run.
`

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := cli.FlagSet("load", usage, stderr)
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "how long each target is loaded (at most 10m)")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured load before each run (cold start, pool, heap growth)")
	fs.Float64Var(&o.rate, "rate", 200, "requests per second against the local entrypoint")
	fs.Float64Var(&o.lambdaRate, "lambda-rate", 50, "requests per second through the Lambda emulator (one invoke at a time)")
	fs.StringVar(&o.targets, "targets", "local,lambda", "comma-separated: local, lambda")
	fs.DurationVar(&o.p99, "p99", 100*time.Millisecond, "p99 latency target for the local entrypoint (the guide's warm-query target)")
	fs.DurationVar(&o.lambdaP99, "lambda-p99", 100*time.Millisecond, "p99 latency target through the emulator (the guide's warm-query target)")
	fs.IntVar(&o.growthMB, "max-rss-growth-mb", 8, "allowed RSS growth from the first to the last quarter (or 10%, whichever is larger)")
	fs.BoolVar(&o.pgbouncer, "pgbouncer", false, "put PgBouncer (transaction mode) in front of the throwaway PostgreSQL")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON instead of the text report (as every command's --json)")
	fs.IntVar(&o.maxInFlight, "max-in-flight", 64, "requests in flight at most; a request that finds none free is dropped and fails the run")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	if o.duration <= 0 || o.duration > 10*time.Minute || o.rate <= 0 || o.rate > 5000 || o.lambdaRate <= 0 || o.lambdaRate > 1000 {
		fmt.Fprintln(stderr, "load: --duration must be in (0, 10m], --rate in (0, 5000], --lambda-rate in (0, 1000]")
		return cli.Error
	}
	o.step = func(format string, args ...any) { fmt.Fprintf(stderr, "==> "+format+"\n", args...) }
	results, err := runAll(ctx, o)
	if err != nil {
		return cli.Fail(stderr, "load", err)
	}
	pass := true
	for _, r := range results {
		pass = pass && r.Pass
	}
	cli.Print(stdout, o.asJSON, results, func(w io.Writer) {
		for _, r := range results {
			fmt.Fprint(w, r)
		}
	})
	if !pass {
		return cli.Failed
	}
	return cli.OK
}

func runAll(ctx context.Context, o options) ([]*Result, error) {
	if o.step == nil {
		o.step = func(string, ...any) {}
	}
	loc, err := localrun.Start(ctx, localrun.Options{Name: "load", PgBouncer: o.pgbouncer, Step: o.step,
		NoArtifact: !strings.Contains(o.targets, "lambda")})
	if err != nil {
		return nil, err
	}
	defer loc.Close()
	env := []string{"DATABASE_URL=" + loc.DatabaseURL, "API_KEYS=" + apiKey, "LOG_LEVEL=warn"}

	var results []*Result
	for _, t := range strings.Split(o.targets, ",") {
		var r *Result
		switch strings.TrimSpace(t) {
		case "local":
			r, err = loadLocal(ctx, loc, env, o)
		case "lambda":
			r, err = loadLambda(ctx, loc, env, o)
		default:
			return nil, fmt.Errorf("--targets: unknown target %q (local, lambda)", t)
		}
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

// loadLocal builds and starts cmd/local and loads it.
func loadLocal(ctx context.Context, loc *localrun.Local, env []string, o options) (*Result, error) {
	o.step("building function/cmd/local")
	bin := filepath.Join(loc.Work, "local")
	if err := build.GoBuild(ctx, loc.Root, build.Binary{Package: "./cmd/local", GOOS: "linux", GOARCH: build.HostArch(), Output: bin}); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "PORT=" + strconv.Itoa(port), "HOST=127.0.0.1"}, env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start cmd/local: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitHealthy(ctx, base, exited); err != nil {
		return nil, err
	}
	pid := func() int { return cmd.Process.Pid }
	return warmAndRun(ctx, "local (cmd/local)", base, o.rate, o, pid, limits{P99: o.p99, RSSGrowthKB: o.growthMB << 10, RSSGrowthPct: 10})
}

// loadLambda runs the Lambda artifact under the emulator behind
// the Function URL bridge, and loads the bridge.
func loadLambda(ctx context.Context, loc *localrun.Local, env []string, o options) (*Result, error) {
	o.step("starting the Runtime Interface Emulator (linux/%s)", loc.Arch)
	emu, err := loc.Emulator(ctx, lambdaemu.Options{Env: env, MemoryMB: 512})
	if err != nil {
		return nil, err
	}
	defer emu.Stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           &lambdaemu.Bridge{Invoker: emu, Logger: slog.New(slog.DiscardHandler)},
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	if err := waitHealthy(ctx, base, emu.Done()); err != nil {
		return nil, err
	}
	pid := func() int { return findProcess(loc.Bootstrap) }
	return warmAndRun(ctx, "lambda (RIE + Function URL bridge)", base, o.lambdaRate, o, pid, limits{P99: o.lambdaP99, RSSGrowthKB: o.growthMB << 10, RSSGrowthPct: 10})
}

func warmAndRun(ctx context.Context, name, base string, rate float64, o options, pid func() int, l limits) (*Result, error) {
	if o.warmup > 0 {
		o.step("%s: warming up for %v at %.0f req/s", name, o.warmup, rate)
		w := hold(ctx, name, base, apiKey, rate, o.warmup, o.maxInFlight, pid, limits{P99: time.Hour})
		if w.Transport > 0 || len(w.Statuses) == 0 {
			return nil, fmt.Errorf("%s: warm-up failed: %s", name, w)
		}
	}
	if pid() <= 0 {
		return nil, errors.New(name + ": cannot find the function process to sample its RSS")
	}
	o.step("%s: %.0f req/s for %v", name, rate, o.duration)
	return hold(ctx, name, base, apiKey, rate, o.duration, o.maxInFlight, pid, l), nil
}

func waitHealthy(ctx context.Context, base string, exited <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("the function at %s exited before it was healthy", base)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the function at %s was not healthy within 30s: %v", base, err)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
