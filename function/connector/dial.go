package connector

import (
	"net"
	"time"
)

// Socket settings for every database connection the pool dials (platforms
// with their own dialer, such as the Cloud SQL connector on GCP, replace it
// and keep their own keepalives).
//
// Keepalives probe an idle pooled connection every few seconds, which keeps
// NAT and load-balancer flows from idling out (AWS NAT drops idle flows at
// 350 s) and lets the kernel notice a peer that vanished, so the next
// request on that connection fails at once and is retried on a fresh one.
// TCP_USER_TIMEOUT aborts a connection whose sent data stays unacknowledged
// that long: a live server's kernel acknowledges within a few retransmission
// timeouts even while the query runs for minutes, so only a dead path trips
// it. It is set to the keepalive window, as the kernel's keepalive count
// alone would be overridden by it anyway.
const (
	keepAliveIdle     = 15 * time.Second
	keepAliveInterval = 5 * time.Second
	keepAliveCount    = 3
	tcpUserTimeout    = keepAliveIdle + keepAliveCount*keepAliveInterval
)

func newDialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{
		Timeout: timeout,
		KeepAliveConfig: net.KeepAliveConfig{
			Enable: true, Idle: keepAliveIdle, Interval: keepAliveInterval, Count: keepAliveCount,
		},
		Control: setUserTimeout,
	}
}
