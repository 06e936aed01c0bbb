package pgtest

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// FaultProxy is a TCP proxy on loopback that forwards to a loopback server
// and can inject the faults a real network produces: latency per direction,
// and a silent blackhole of the connections open at that moment (no FIN, no
// RST: the bytes just stop, as after a NAT idle cut-off, a long freeze or a
// failover). Connections opened after a Blackhole are forwarded normally,
// like the fresh flow a client opens after the old one died.
//
// It is bounded: at most MaxProxyConns connections at once (more are
// refused), and Close ends every connection and goroutine it started.
type FaultProxy struct {
	// Addr is "127.0.0.1:port", where clients connect.
	Addr string
	Port int

	target  string
	ln      net.Listener
	upDelay atomic.Int64 // client → server, ns
	dnDelay atomic.Int64 // server → client, ns

	mu     sync.Mutex
	conns  map[*proxyConn]struct{}
	closed bool
	wg     sync.WaitGroup
	total  atomic.Int64
}

// MaxProxyConns bounds the connections a FaultProxy holds at once.
const MaxProxyConns = 256

// maxDelay bounds an injected latency: a test fault, never a hang.
const maxDelay = 5 * time.Second

type proxyConn struct {
	client, server net.Conn
	holed          atomic.Bool
}

// NewFaultProxy listens on a free loopback port and forwards each
// connection to target, which must be a loopback address.
func NewFaultProxy(target string) (*FaultProxy, error) {
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return nil, fmt.Errorf("fault proxy target %q: %w", target, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("fault proxy target %q: only loopback targets are allowed", target)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fault proxy listen: %w", err)
	}
	p := &FaultProxy{target: target, ln: ln, conns: map[*proxyConn]struct{}{}}
	p.Addr = ln.Addr().String()
	p.Port = ln.Addr().(*net.TCPAddr).Port
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// SetLatency delays every chunk forwarded client → server by up and
// server → client by down (each at most 5 s), for new and open connections.
// Order is kept; a round trip through the proxy costs up + down more.
func (p *FaultProxy) SetLatency(up, down time.Duration) {
	p.upDelay.Store(int64(min(max(up, 0), maxDelay)))
	p.dnDelay.Store(int64(min(max(down, 0), maxDelay)))
}

// Blackhole silently stops forwarding on every connection open now, in
// both directions: nothing is delivered, nothing is closed, the sockets
// stay open. It returns how many connections it cut.
func (p *FaultProxy) Blackhole() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for c := range p.conns {
		if !c.holed.Swap(true) {
			n++
		}
	}
	return n
}

// Open is the number of connections the proxy holds now (blackholed ones
// included); Total is how many it has accepted in all.
func (p *FaultProxy) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Total is how many connections the proxy has accepted in all.
func (p *FaultProxy) Total() int { return int(p.total.Load()) }

// Close stops listening, closes every connection and waits for the
// proxy's goroutines to end.
func (p *FaultProxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.client.Close()
		c.server.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

func (p *FaultProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		full := len(p.conns) >= MaxProxyConns || p.closed
		p.mu.Unlock()
		if full {
			client.Close()
			continue
		}
		server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			client.Close()
			continue
		}
		c := &proxyConn{client: client, server: server}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			client.Close()
			server.Close()
			return
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.total.Add(1)
		p.wg.Add(2)
		done := make(chan struct{}, 2)
		go p.pipe(c, server, client, &p.upDelay, done)
		go p.pipe(c, client, server, &p.dnDelay, done)
		go func() {
			// When one side ends (and the connection is not blackholed),
			// end both, as a real path would pass the FIN on.
			<-done
			if !c.holed.Load() {
				client.Close()
				server.Close()
			}
			<-done
			client.Close()
			server.Close()
			p.mu.Lock()
			delete(p.conns, c)
			p.mu.Unlock()
		}()
	}
}

// chunk is data read at a time, delivered after the direction's delay.
type chunk struct {
	b  []byte
	at time.Time
}

// pipe copies src → dst, each chunk delayed by *delay, until src ends. On a
// blackholed connection it keeps reading (so the sender's writes succeed, as
// they would into a dead network) and delivers nothing; it never closes dst
// itself then.
func (p *FaultProxy) pipe(c *proxyConn, dst, src net.Conn, delay *atomic.Int64, done chan<- struct{}) {
	defer p.wg.Done()
	defer func() { done <- struct{}{} }()
	// A bounded queue between the reader and the delayed writer keeps the
	// order and lets several chunks be in flight at once, as on a long link.
	q := make(chan chunk, 64)
	var wdone sync.WaitGroup
	wdone.Add(1)
	go func() {
		defer wdone.Done()
		for ch := range q {
			if d := time.Until(ch.at); d > 0 {
				time.Sleep(d)
			}
			if c.holed.Load() {
				continue
			}
			if _, err := dst.Write(ch.b); err != nil {
				// The other side is gone: drain the queue without writing.
				for range q {
				}
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !c.holed.Load() {
			b := make([]byte, n)
			copy(b, buf[:n])
			q <- chunk{b: b, at: time.Now().Add(time.Duration(delay.Load()))}
		}
		if err != nil {
			// EOF, a reset or a closed socket: this direction ends.
			break
		}
	}
	close(q)
	wdone.Wait()
}
