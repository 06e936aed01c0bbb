// Package serve runs the connector as a long-lived HTTP server, for the hosts
// that forward plain HTTP to the function (cmd/local, cmd/azure). Lambda does
// not use it: aws-lambda-go owns that process's loop.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
)

// Limits every host gets: a slow or oversized request is cut off by the
// server before the handler sees it.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 16 << 10
	shutdownGrace     = 10 * time.Second
)

// Run serves h on addr until SIGINT or SIGTERM, then lets in-flight requests
// finish (up to a grace period) and closes the pool.
func Run(addr string, h *connector.Handler) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	slog.Info("listening", "addr", addr)
	err := srv.ListenAndServe()
	h.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", addr, err)
	}
	return nil
}
