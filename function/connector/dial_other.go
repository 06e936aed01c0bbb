//go:build !linux

package connector

import "syscall"

// Only Linux has TCP_USER_TIMEOUT; every platform the function deploys to
// is Linux, so elsewhere (a developer's machine) keepalives alone remain.
func setUserTimeout(_, _ string, _ syscall.RawConn) error { return nil }
