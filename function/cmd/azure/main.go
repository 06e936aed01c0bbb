// Command azure is the Azure Functions custom handler (linux/amd64). The Functions host
// starts it, forwards each HTTP request unchanged (host.json enableForwardingHttpRequest,
// written by infra/build) to FUNCTIONS_CUSTOMHANDLER_PORT, and relays the response.
// The database password, if any, arrives as DATABASE_PASSWORD, an app setting that the
// platform resolves from a Key Vault reference.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
)

func main() {
	port := os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if port == "" {
		slog.Error("FUNCTIONS_CUSTOMHANDLER_PORT is not set: the Azure Functions host sets it when it starts the custom handler")
		os.Exit(2)
	}
	h := connector.NewHandler(connector.Options{
		Platform: "azure",
		// One instance serves concurrent requests; size the pool to that concurrency.
		DefaultPoolSize: 4,
	})
	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		slog.Error("serve", "addr", srv.Addr, "err", err)
		os.Exit(1)
	}
	h.Close()
}
