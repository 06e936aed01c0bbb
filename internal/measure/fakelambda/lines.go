package fakelambda

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
)

// keepLines bounds the log kept in memory; an invoke only needs its own lines.
const keepLines = 4000

// lineLog keeps the emulator's log lines in order and lets an invoke wait for its REPORT.
// Positions are absolute (they survive trimming). lambdaemu writes one line per Write call.
type lineLog struct {
	mu    sync.Mutex
	tee   io.Writer
	base  int // absolute position of lines[0]
	lines []string
	more  chan struct{} // closed and replaced on every new line
}

func newLineLog(tee io.Writer) *lineLog { return &lineLog{tee: tee, more: make(chan struct{})} }

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tee != nil {
		_, _ = l.tee.Write(p)
	}
	for _, line := range strings.Split(strings.TrimRight(string(bytes.TrimRight(p, "\n")), "\r"), "\n") {
		l.lines = append(l.lines, line)
	}
	if n := len(l.lines) - keepLines; n > 0 {
		l.lines = append([]string(nil), l.lines[n:]...)
		l.base += n
	}
	close(l.more)
	l.more = make(chan struct{})
	return len(p), nil
}

// len returns the absolute position after the last line.
func (l *lineLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.base + len(l.lines)
}

// waitFor returns the lines from absolute position from up to and including the first one
// holding sub.
func (l *lineLog) waitFor(ctx context.Context, from int, sub string) ([]string, error) {
	for {
		l.mu.Lock()
		start := max(from-l.base, 0)
		for i := start; i < len(l.lines); i++ {
			if strings.Contains(l.lines[i], sub) {
				out := append([]string(nil), l.lines[start:i+1]...)
				l.mu.Unlock()
				return out, nil
			}
		}
		ch := l.more
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %q: %w", sub, ctx.Err())
		}
	}
}
