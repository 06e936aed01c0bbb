// Command local runs the connector on this machine the way AWS Lambda runs it, with no
// cloud account (`make local` / `go run ./scripts/local`):
//
//  1. builds the Lambda artifact (infra/build) for this machine's arch and unpacks it;
//  2. uses DATABASE_URL if set, otherwise starts a throwaway PostgreSQL with demo data;
//  3. runs the bootstrap under the AWS Lambda Runtime Interface Emulator (go tool aws-lambda-rie);
//  4. serves plain HTTP on localhost:PORT (default 8080), turned into Function URL events
//     and back, so curl behaves as against the deployed Function URL.
//
// Ctrl-C (or SIGTERM, SIGHUP, a closed output pipe) stops the emulator, the function and
// the database and removes every temporary directory.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/cli"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localrun"
)

// passEnv are the function settings taken from the caller's environment when set
// (see function/connector/doc.go); everything else of the shell stays out, as on Lambda.
var passEnv = []string{"DATABASE_PASSWORD", "DB_SCHEMAS", "POOL_SIZE", "QUERY_TIMEOUT_MS", "ACQUIRE_TIMEOUT_MS",
	"MAX_ROWS", "MAX_RESULT_BYTES", "COLD_START_WARN_MS", "LOG_LEVEL"}

const usage = `Usage: go run ./scripts/local [--port 8080] [--arch amd64|arm64] [--pgbouncer] [-v]

Runs the connector's Lambda artifact under the AWS Lambda Runtime Interface Emulator on
localhost, against DATABASE_URL or a throwaway PostgreSQL with demo data, behind a Function
URL bridge: curl it as the deployed Function URL. Ctrl-C stops everything and removes
every temporary directory (exit status 0).
`

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	defPort := os.Getenv("PORT")
	if defPort == "" {
		defPort = "8080"
	}
	fs := cli.FlagSet("local", usage, stderr)
	port := fs.String("port", defPort, "port to serve on localhost (env PORT)")
	arch := fs.String("arch", build.HostArch(), "bootstrap arch; another than the host's runs through qemu-user (slow)")
	pgbouncer := fs.Bool("pgbouncer", false, "put PgBouncer (transaction mode) between the function and the throwaway PostgreSQL")
	verbose := fs.Bool("v", false, "show every emulator log line, not only the function's and the reports")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	if err := serve(ctx, *port, *arch, *pgbouncer, *verbose, stdout, stderr); err != nil {
		return cli.Fail(stderr, "local", err)
	}
	return cli.OK
}

func serve(ctx context.Context, port, arch string, pgbouncer, verbose bool, stdout, stderr io.Writer) error {
	step := func(format string, args ...any) { fmt.Fprintf(stderr, "==> "+format+"\n", args...) }
	// Listen first: a busy port should fail before anything is built or started.
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return fmt.Errorf("listen on localhost:%s: %w (set PORT or -port to another port)", port, err)
	}
	defer ln.Close()

	loc, err := localrun.Start(ctx, localrun.Options{Name: "local", Arch: arch, PgBouncer: pgbouncer, Step: step})
	if err != nil {
		return err
	}
	defer loc.Close()

	keys := os.Getenv("API_KEYS")
	if keys == "" {
		keys = "local-" + randomHex(16)
	}
	key := strings.TrimSpace(strings.Split(keys, ",")[0])
	env := []string{"DATABASE_URL=" + loc.DatabaseURL, "API_KEYS=" + keys}
	for _, k := range passEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}

	step("starting the AWS Lambda Runtime Interface Emulator")
	var logs io.Writer = &filteredLog{w: stderr}
	if verbose {
		logs = stderr
	}
	emu, err := loc.Emulator(ctx, lambdaemu.Options{Env: env, Log: logs})
	if err != nil {
		return err
	}
	defer emu.Stop()

	srv := &http.Server{
		Handler:           &lambdaemu.Bridge{Invoker: emu, Logger: slog.New(slog.NewTextHandler(stderr, nil))},
		ReadHeaderTimeout: 5 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	base := "http://localhost:" + port
	art := loc.Artifact
	fmt.Fprintf(stdout, `
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
`, base, arch, art.Size, art.SHA256[:12], loc.Database, key, base, base, key, base, key, base, key)

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
