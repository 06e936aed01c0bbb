package serve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
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
	// No keep-alive: a POST sent on the connection that served /health would
	// reach a server that still counts that connection idle until it reads
	// the new request, and Shutdown closes idle connections (net/http's
	// rule, and a race under load), so the case under test would not be
	// the one measured.
	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; ; i++ {
		if r, err := probe.Get(base + "/health"); err == nil {
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
		r, err := probe.Do(req)
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
	// The client has connected once it sends the body, but on a loaded
	// machine the server may not have accepted the connection yet, and a
	// connection still in the kernel's backlog is dropped when Shutdown
	// closes the listener: that is not the case under test.
	waitAccepted(t, addr)
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

// TestConnectionCap holds MAX_HTTP_CONNECTIONS connections open (idle
// keep-alives, the cheapest way to take a slot): the next client is not
// served until one of them closes, and then it is, from the accept backlog.
func TestConnectionCap(t *testing.T) {
	t.Setenv("MAX_HTTP_CONNECTIONS", "2")
	h := connector.NewHandler(connector.Options{
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Getenv: func(string) string { return "" },
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	done := make(chan error, 1)
	go func() { done <- Run(addr, h) }()
	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; ; i++ {
		if r, err := probe.Get("http://" + addr + "/health"); err == nil {
			r.Body.Close()
			break
		}
		if i > 200 {
			t.Fatal("server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	health := func(c net.Conn, wait time.Duration) (int, error) {
		if _, err := io.WriteString(c, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return 0, err
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		r, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return 0, err
		}
		defer r.Body.Close()
		_, _ = io.Copy(io.Discard, r.Body)
		return r.StatusCode, nil
	}
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		// Generous: the probe's slot is freed once the server has closed it.
		if s, err := health(c, 10*time.Second); err != nil || s != http.StatusOK {
			t.Fatalf("connection %d within the cap: %d %v", i+1, s, err)
		}
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err) // the kernel backlog takes it; only Accept waits
	}
	held = append(held, extra)
	if s, err := health(extra, 300*time.Millisecond); err == nil {
		t.Fatalf("a third connection was served (%d) while two held the cap of 2", s)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("third connection: %v, want it kept waiting", err)
	}
	held[0].Close()
	_ = extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	r, err := http.ReadResponse(bufio.NewReader(extra), nil)
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("after a slot freed, the waiting request got %v %v", r, err)
	}
	r.Body.Close()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestMaxConnsSetting(t *testing.T) {
	for _, c := range []struct {
		v    string
		want int
		ok   bool
	}{{"", defaultMaxConns, true}, {" 64 ", 64, true}, {"0", 0, false}, {"-1", 0, false}, {"many", 0, false}, {"100001", 0, false}} {
		n, err := maxConns(func(string) string { return c.v })
		if (err == nil) != c.ok || n != c.want {
			t.Errorf("MAX_HTTP_CONNECTIONS=%q: %d, %v", c.v, n, err)
		}
		if err != nil && !strings.Contains(err.Error(), "MAX_HTTP_CONNECTIONS") {
			t.Errorf("error %q does not name the setting", err)
		}
	}
}

// waitAccepted waits until the listening socket on addr has no connection
// waiting in its accept queue: /proc/net/tcp shows the queue's length as the
// LISTEN row's rx_queue.
func waitAccepted(t *testing.T, addr string) {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	local := fmt.Sprintf("0100007F:%04X", p)
	for i := 0; i < 500; i++ {
		b, err := os.ReadFile("/proc/net/tcp")
		if err != nil {
			t.Skipf("cannot read the accept queue: %v", err)
		}
		queued := false
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			// sl local_address rem_address st tx_queue:rx_queue ...
			if len(f) > 4 && f[1] == local && f[3] == "0A" && !strings.HasSuffix(f[4], ":00000000") {
				queued = true
			}
		}
		if !queued {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the server did not accept the connection")
}
