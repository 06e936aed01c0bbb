package connector

import "syscall"

// tcpUserTimeoutOpt is TCP_USER_TIMEOUT from linux/tcp.h; package syscall
// does not name it, and golang.org/x/sys is not worth linking for one
// constant.
const tcpUserTimeoutOpt = 0x12

func setUserTimeout(network, _ string, c syscall.RawConn) error {
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		return nil // a Unix socket has no TCP options
	}
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeoutOpt, int(tcpUserTimeout.Milliseconds()))
	})
	if err != nil {
		return err
	}
	return serr
}
