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
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localpg"
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
	jsonOut     string
	maxInFlight int
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "how long each target is loaded (at most 10m)")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured load before each run (cold start, pool, heap growth)")
	flag.Float64Var(&o.rate, "rate", 200, "requests per second against the local entrypoint")
	flag.Float64Var(&o.lambdaRate, "lambda-rate", 50, "requests per second through the Lambda emulator (one invoke at a time)")
	flag.StringVar(&o.targets, "targets", "local,lambda", "comma-separated: local, lambda")
	flag.DurationVar(&o.p99, "p99", 100*time.Millisecond, "p99 latency target for the local entrypoint (the guide's warm-query target)")
	flag.DurationVar(&o.lambdaP99, "lambda-p99", 100*time.Millisecond, "p99 latency target through the emulator (the guide's warm-query target)")
	flag.IntVar(&o.growthMB, "max-rss-growth-mb", 8, "allowed RSS growth from the first to the last quarter (or 10%, whichever is larger)")
	flag.BoolVar(&o.pgbouncer, "pgbouncer", false, "put PgBouncer (transaction mode) in front of the throwaway PostgreSQL")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	flag.IntVar(&o.maxInFlight, "max-in-flight", 64, "requests in flight at most; a request that finds none free is dropped and fails the run")
	flag.Parse()
	if o.duration <= 0 || o.duration > 10*time.Minute || o.rate <= 0 || o.rate > 5000 || o.lambdaRate <= 0 || o.lambdaRate > 1000 {
		fmt.Fprintln(os.Stderr, "load: --duration must be in (0, 10m], --rate in (0, 5000], --lambda-rate in (0, 1000]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results, err := runAll(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	pass := true
	for _, r := range results {
		fmt.Print(r)
		pass = pass && r.Pass
	}
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(o.jsonOut, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(2)
		}
	}
	if !pass {
		os.Exit(1)
	}
}

func step(format string, args ...any) { fmt.Fprintf(os.Stderr, "==> "+format+"\n", args...) }

func runAll(ctx context.Context, o options) ([]*Result, error) {
	root, err := build.FindRepoRoot(".")
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "aac-load-*")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(work)

	dbURL := os.Getenv("DATABASE_URL")
	if dbURL == "" {
		step("starting a throwaway PostgreSQL with demo data")
		pg, err := localpg.Start(ctx, root, localpg.Options{PgBouncer: o.pgbouncer})
		if err != nil {
			return nil, err
		}
		defer pg.Stop()
		dbURL = pg.AgentURL
		if o.pgbouncer {
			dbURL = pg.BouncerURL
		}
	}
	env := []string{"DATABASE_URL=" + dbURL, "API_KEYS=" + apiKey, "LOG_LEVEL=warn"}

	var results []*Result
	for _, t := range strings.Split(o.targets, ",") {
		var r *Result
		switch strings.TrimSpace(t) {
		case "local":
			r, err = loadLocal(ctx, root, work, env, o)
		case "lambda":
			r, err = loadLambda(ctx, root, work, env, o)
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
func loadLocal(ctx context.Context, root, work string, env []string, o options) (*Result, error) {
	step("building function/cmd/local")
	bin := filepath.Join(work, "local")
	if err := build.GoBuild(ctx, root, build.Binary{Package: "./cmd/local", GOOS: "linux", GOARCH: build.HostArch(), Output: bin}); err != nil {
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

// loadLambda builds the Lambda artifact, runs it under the emulator behind
// the Function URL bridge, and loads the bridge.
func loadLambda(ctx context.Context, root, work string, env []string, o options) (*Result, error) {
	step("building the Lambda artifact (linux/%s) and starting the Runtime Interface Emulator", build.HostArch())
	art, err := build.Build(ctx, build.Target{Platform: build.Lambda, Arch: build.HostArch()}, build.Options{RepoRoot: root, OutDir: work})
	if err != nil {
		return nil, err
	}
	task := filepath.Join(work, "task")
	if _, err := build.Extract(art.Path, task); err != nil {
		return nil, err
	}
	boot := filepath.Join(task, build.LambdaHandler)
	emu, err := lambdaemu.Start(ctx, lambdaemu.Options{Bootstrap: boot, RepoRoot: root, Env: env, MemoryMB: 512})
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
	pid := func() int { return findProcess(boot) }
	return warmAndRun(ctx, "lambda (RIE + Function URL bridge)", base, o.lambdaRate, o, pid, limits{P99: o.lambdaP99, RSSGrowthKB: o.growthMB << 10, RSSGrowthPct: 10})
}

func warmAndRun(ctx context.Context, name, base string, rate float64, o options, pid func() int, l limits) (*Result, error) {
	if o.warmup > 0 {
		step("%s: warming up for %v at %.0f req/s", name, o.warmup, rate)
		w := run(ctx, name, base, apiKey, rate, o.warmup, o.maxInFlight, pid, limits{P99: time.Hour})
		if w.Transport > 0 || len(w.Statuses) == 0 {
			return nil, fmt.Errorf("%s: warm-up failed: %s", name, w)
		}
	}
	if pid() <= 0 {
		return nil, errors.New(name + ": cannot find the function process to sample its RSS")
	}
	step("%s: %.0f req/s for %v", name, rate, o.duration)
	return run(ctx, name, base, apiKey, rate, o.duration, o.maxInFlight, pid, l), nil
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
