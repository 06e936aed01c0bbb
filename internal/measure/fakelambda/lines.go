package fakelambda

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
)

// lineLog keeps the emulator's log lines in order and lets an invoke wait for its REPORT.
// lambdaemu writes one line per Write call.
type lineLog struct {
	mu    sync.Mutex
	tee   io.Writer
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
	close(l.more)
	l.more = make(chan struct{})
	return len(p), nil
}

func (l *lineLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// waitFor returns the lines from index from up to and including the first one holding sub.
func (l *lineLog) waitFor(ctx context.Context, from int, sub string) ([]string, error) {
	for {
		l.mu.Lock()
		for i := from; i < len(l.lines); i++ {
			if strings.Contains(l.lines[i], sub) {
				out := append([]string(nil), l.lines[from:i+1]...)
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
