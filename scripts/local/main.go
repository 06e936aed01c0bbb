// Command local runs the connector on this machine the way AWS Lambda runs it, with no
// cloud account (`make local` / `go run ./scripts/local`):
//
//  1. builds the Lambda artifact (infra/build) for this machine's arch and unpacks it;
//  2. uses DATABASE_URL if set, otherwise starts a throwaway PostgreSQL with demo data;
//  3. runs the bootstrap under the AWS Lambda Runtime Interface Emulator (go tool aws-lambda-rie);
//  4. serves plain HTTP on localhost:PORT (default 8080), turned into Function URL events
//     and back, so curl behaves as against the deployed Function URL.
//
// Ctrl-C (or SIGTERM) stops the emulator, the function and the database and removes every
// temporary directory.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localpg"
)

// passEnv are the function settings taken from the caller's environment when set
// (see function/connector/doc.go); everything else of the shell stays out, as on Lambda.
var passEnv = []string{"DATABASE_PASSWORD", "DB_SCHEMAS", "POOL_SIZE", "QUERY_TIMEOUT_MS", "ACQUIRE_TIMEOUT_MS",
	"MAX_ROWS", "MAX_RESULT_BYTES", "COLD_START_WARN_MS", "LOG_LEVEL"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run() error {
	defPort := os.Getenv("PORT")
	if defPort == "" {
		defPort = "8080"
	}
	port := flag.String("port", defPort, "port to serve on localhost (env PORT)")
	arch := flag.String("arch", build.HostArch(), "bootstrap arch; another than the host's runs through qemu-user (slow)")
	pgbouncer := flag.Bool("pgbouncer", false, "put PgBouncer (transaction mode) between the function and the throwaway PostgreSQL")
	verbose := flag.Bool("v", false, "show every emulator log line, not only the function's and the reports")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root, err := build.FindRepoRoot(".")
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "aac-local-*")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(work)

	// Listen first: a busy port should fail before anything is built or started.
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", *port))
	if err != nil {
		return fmt.Errorf("listen on localhost:%s: %w (set PORT or -port to another port)", *port, err)
	}
	defer ln.Close()

	step("building the Lambda artifact (linux/%s)", *arch)
	art, err := build.Build(ctx, build.Target{Platform: build.Lambda, Arch: *arch}, build.Options{RepoRoot: root, OutDir: work})
	if err != nil {
		return err
	}
	task := filepath.Join(work, "task") // /var/task on Lambda
	if _, err := build.Extract(art.Path, task); err != nil {
		return err
	}

	dbURL, dbDesc := os.Getenv("DATABASE_URL"), "DATABASE_URL from your environment"
	if dbURL == "" {
		step("starting a throwaway PostgreSQL with demo data")
		pg, err := localpg.Start(ctx, root, localpg.Options{PgBouncer: *pgbouncer})
		if errors.Is(err, localpg.ErrNoPostgres) {
			return fmt.Errorf("%w\nthen run this again", err)
		}
		if err != nil {
			return err
		}
		defer pg.Stop()
		dbURL, dbDesc = pg.AgentURL, "throwaway PostgreSQL, read-only role \"agent\""
		if *pgbouncer {
			dbURL, dbDesc = pg.BouncerURL, "throwaway PostgreSQL behind PgBouncer (transaction mode), role \"agent\""
		}
	}

	keys := os.Getenv("API_KEYS")
	if keys == "" {
		keys = "local-" + randomHex(16)
	}
	key := strings.TrimSpace(strings.Split(keys, ",")[0])
	env := []string{"DATABASE_URL=" + dbURL, "API_KEYS=" + keys}
	for _, k := range passEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}

	step("starting the AWS Lambda Runtime Interface Emulator")
	var logs io.Writer = &filteredLog{w: os.Stderr}
	if *verbose {
		logs = os.Stderr
	}
	emu, err := lambdaemu.Start(ctx, lambdaemu.Options{Bootstrap: filepath.Join(task, build.LambdaHandler), Arch: *arch, RepoRoot: root, Env: env, Log: logs})
	if err != nil {
		return err
	}
	defer emu.Stop()

	srv := &http.Server{
		Handler:           &lambdaemu.Bridge{Invoker: emu, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))},
		ReadHeaderTimeout: 5 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	base := "http://localhost:" + *port
	fmt.Printf(`
ai-agent-connector is running under the AWS Lambda Runtime Interface Emulator
  url:      %s   (a Function URL in front of the function)
  function: bootstrap for linux/%s, zip %d bytes, sha256 %s
  database: %s
  api key:  %s

Try:
  curl -s %s/health
  curl -s %s/v1/schema -H 'Authorization: Bearer %s'
  curl -s -X POST %s/v1/query -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \
       -d '{"sql":"SELECT id, name, balance FROM customers WHERE active ORDER BY id LIMIT $1","params":[3]}'
  claude mcp add --transport http postgres %s/mcp --header 'Authorization: Bearer %s'

The first call is a cold start (see the INIT REPORT line). Ctrl-C stops everything.
`, base, *arch, art.Size, art.SHA256[:12], dbDesc, key, base, base, key, base, key, base, key)

	select {
	case <-ctx.Done():
		step("stopping")
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-emu.Done():
		return errors.New("the emulator exited; its last lines:\n" + strings.Join(emu.Logs(20), "\n"))
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil // deferred: emulator, database, temp dir
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "==> "+format+"\n", args...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

// filteredLog passes the function's own log lines and the emulator's reports, and drops
// the emulator's bookkeeping ([INFO] (rapid) ...).
type filteredLog struct{ w io.Writer }

func (f *filteredLog) Write(p []byte) (int, error) {
	line := string(p)
	if strings.Contains(line, "(rapid)") && !strings.Contains(line, "INIT REPORT") &&
		!strings.Contains(line, "[WARNING]") && !strings.Contains(line, "[ERROR]") {
		return len(p), nil
	}
	if strings.HasPrefix(line, "START RequestId") || strings.HasPrefix(line, "END RequestId") {
		return len(p), nil
	}
	return f.w.Write(p)
}
