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
// finish (up to a grace period) and closes the pool. Without a signal it
// returns only when the listener fails.
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
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	slog.Info("listening", "addr", addr)
	err := srv.ListenAndServe()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		h.Close()
		return fmt.Errorf("serve %s: %w", addr, err)
	}
	// ListenAndServe returns as soon as Shutdown starts; the pool is closed
	// only after the in-flight requests have finished with it.
	<-drained
	h.Close()
	return nil
}
