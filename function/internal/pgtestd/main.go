// Command pgtestd runs a throwaway cluster from package pgtest for tools outside this
// module (the root module's local emulation, cold-start script and emulator tests). The
// root module does not import the function module: its dependency graph (Cloud SQL
// connector, gRPC, OpenTelemetry) would raise the versions the Pulumi SDKs compile against.
// A process boundary keeps the two graphs apart.
//
// Protocol: on success it prints one JSON line with the URLs to stdout, then serves until
// its stdin is closed (the parent exited or asked it to stop) or it gets SIGINT/SIGTERM;
// then it stops the servers, removes the cluster dir and exits 0. On failure it prints the
// error to stderr and exits 1 (3 when no PostgreSQL binaries are installed).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

// Info is the line printed once the cluster serves.
type Info struct {
	Dir        string `json:"dir"`
	OwnerURL   string `json:"owner_url"`
	AgentURL   string `json:"agent_url"`
	BouncerURL string `json:"bouncer_url,omitempty"`
}

func main() {
	bouncer := flag.Bool("pgbouncer", false, "also start PgBouncer in transaction mode")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := pgtest.Start(ctx, pgtest.Options{PgBouncer: *bouncer})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtestd:", err)
		if errors.Is(err, pgtest.ErrNoPostgres) {
			os.Exit(3)
		}
		os.Exit(1)
	}
	defer c.Stop()
	line, _ := json.Marshal(Info{Dir: c.Dir, OwnerURL: c.OwnerURL, AgentURL: c.AgentURL, BouncerURL: c.BouncerURL})
	fmt.Println(string(line))
	stdinClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-ctx.Done():
	case <-stdinClosed:
	}
}
