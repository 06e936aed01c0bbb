package serve

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

// TestShutdownDrainsInFlightRequests sends SIGTERM while a request is still
// uploading its body: Run must not return (and so the process must not exit)
// before that request has been answered, and the answer is a 200.
func TestShutdownDrainsInFlightRequests(t *testing.T) {
	ctx := context.Background()
	c, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	const key = "serve-test-key-0123456789"
	env := map[string]string{"DATABASE_URL": c.AgentURL, "API_KEYS": key}
	h := connector.NewHandler(connector.Options{
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Getenv: func(k string) string { return env[k] },
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	done := make(chan error, 1)
	go func() { done <- Run(addr, h) }()
	base := "http://" + addr
	for i := 0; ; i++ {
		if r, err := http.Get(base + "/health"); err == nil {
			r.Body.Close()
			break
		}
		if i > 200 {
			t.Fatal("server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	body, upload := io.Pipe()
	status := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/query", body)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			status <- -1
			return
		}
		r.Body.Close()
		status <- r.StatusCode
	}()
	if _, err := upload.Write([]byte(`{"sql":`)); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Run must still be waiting: the request is half uploaded.
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) while a request was still in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := upload.Write([]byte(`"SELECT 1"}`)); err != nil {
		t.Fatal(err)
	}
	upload.Close()
	if s := <-status; s != http.StatusOK {
		t.Errorf("in-flight request during shutdown: status %s, want 200", strconv.Itoa(s))
	}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
