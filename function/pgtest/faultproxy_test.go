package pgtest

import (
	"io"
	"net"
	"testing"
	"time"
)

// echoServer answers every byte it reads, on loopback.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, deadline time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	if _, err := c.Write([]byte("ping")); err != nil {
		return 0, err
	}
	_ = c.SetReadDeadline(time.Now().Add(deadline))
	buf := make([]byte, 4)
	_, err := io.ReadFull(c, buf)
	return time.Since(start), err
}

// TestFaultProxy: latency adds to each direction, a blackhole silences the
// open connections without closing them while new ones still pass, and only
// loopback targets are accepted.
func TestFaultProxy(t *testing.T) {
	if _, err := NewFaultProxy("192.0.2.1:5432"); err == nil {
		t.Error("a non-loopback target was accepted")
	}
	p, err := NewFaultProxy(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := roundTrip(t, c, 5*time.Second); err != nil {
		t.Fatalf("plain round trip: %v", err)
	}
	// A lower bound only: the added latency can never be skipped.
	p.SetLatency(40*time.Millisecond, 20*time.Millisecond)
	if d, err := roundTrip(t, c, 5*time.Second); err != nil || d < 60*time.Millisecond {
		t.Errorf("round trip with 40+20 ms added: %v, %v", d, err)
	}
	p.SetLatency(0, 0)
	if n := p.Blackhole(); n != 1 {
		t.Errorf("blackholed %d connections, want 1", n)
	}
	// The write succeeds (the bytes go into a dead network), nothing comes
	// back, and the connection is not closed: a timeout, not EOF or a reset.
	_, err = roundTrip(t, c, 300*time.Millisecond)
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("round trip on a blackholed connection: %v, want a timeout", err)
	}
	c2, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := roundTrip(t, c2, 5*time.Second); err != nil {
		t.Errorf("a new connection after the blackhole: %v", err)
	}
	if p.Total() != 2 || p.Open() != 2 {
		t.Errorf("total %d, open %d; want 2 and 2", p.Total(), p.Open())
	}
}
