// Package serve runs the connector as a long-lived HTTP server, for the hosts
// that forward plain HTTP to the function (cmd/local, cmd/azure). Lambda does
// not use it: aws-lambda-go owns that process's loop.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
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
	// defaultMaxConns caps open client connections (MAX_HTTP_CONNECTIONS).
	// Past the pool size a request only waits for a connection and then
	// gets a 503, so the cap is not about throughput: it bounds the
	// goroutines, buffers and file descriptors a burst or a flood of idle
	// connections can take, far below the process's descriptor limit.
	defaultMaxConns = 256
	maxConnsCeiling = 100_000
)

// maxConns reads MAX_HTTP_CONNECTIONS; an invalid value stops the start.
func maxConns(getenv func(string) string) (int, error) {
	v := strings.TrimSpace(getenv("MAX_HTTP_CONNECTIONS"))
	if v == "" {
		return defaultMaxConns, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxConnsCeiling {
		return 0, fmt.Errorf("MAX_HTTP_CONNECTIONS=%q: want an integer from 1 to %d", v, maxConnsCeiling)
	}
	return n, nil
}

// Run serves h on addr until SIGINT or SIGTERM, then lets in-flight requests
// finish (up to a grace period) and closes the pool. Without a signal it
// returns only when the listener fails. At most MAX_HTTP_CONNECTIONS client
// connections are open at once (default 256).
func Run(addr string, h *connector.Handler) error {
	limit, err := maxConns(os.Getenv)
	if err != nil {
		h.Close()
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		h.Close()
		return fmt.Errorf("serve %s: %w", addr, err)
	}
	// Past the cap, Accept waits for a connection to close: new clients
	// queue in the kernel's accept backlog instead of being refused, and
	// a request that gets in is served as before. ReadHeaderTimeout and
	// IdleTimeout make sure held slots come back.
	ln = limitListener(ln.(*net.TCPListener), limit)
	srv := &http.Server{
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
	slog.Info("listening", "addr", addr, "max_http_connections", limit)
	err = srv.Serve(ln)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		h.Close()
		return fmt.Errorf("serve %s: %w", addr, err)
	}
	// Serve returns as soon as Shutdown starts; the pool is closed
	// only after the in-flight requests have finished with it.
	<-drained
	h.Close()
	return nil
}

// capListener admits at most cap(sem) connections at once. It is
// golang.org/x/net/netutil.LimitListener but for the connection type:
// netutil's wrapper hides TCPConn.CloseWrite, which net/http needs to answer
// a request it did not read to the end (431, 413) without a TCP reset that
// makes the client lose the answer.
type capListener struct {
	*net.TCPListener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func limitListener(l *net.TCPListener, n int) net.Listener {
	return &capListener{TCPListener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *capListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		// Closed while at the cap: Serve must return, not wait for a slot.
		return nil, net.ErrClosed
	}
	c, err := l.TCPListener.AcceptTCP()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &capConn{TCPConn: c, release: func() { <-l.sem }}, nil
}

func (l *capListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.TCPListener.Close()
}

// capConn gives its slot back on the first Close.
type capConn struct {
	*net.TCPConn
	once    sync.Once
	release func()
}

func (c *capConn) Close() error {
	err := c.TCPConn.Close()
	c.once.Do(c.release)
	return err
}
