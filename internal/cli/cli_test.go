package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a command built on Main: it makes a temp dir, prints its
// path, writes a line every 10 ms until its context ends, then removes the dir.
func TestMain(m *testing.M) {
	if os.Getenv("CLI_TEST_CHILD") == "1" {
		Main(func(ctx context.Context, _ []string, stdout, _ io.Writer) int {
			dir, err := os.MkdirTemp("", "cli-test-*")
			if err != nil {
				return Error
			}
			defer os.RemoveAll(dir)
			fmt.Fprintln(stdout, dir)
			for {
				select {
				case <-ctx.Done():
					return OK
				case <-time.After(10 * time.Millisecond):
					fmt.Fprintln(stdout, "tick") // fails with EPIPE once the reader is gone
				}
			}
		})
	}
	os.Exit(m.Run())
}

// TestCleanUpOnSignal: every way a terminal session ends a command (Ctrl-C, kill, closing
// the terminal, closing the output pipe) lets it remove its temp dir and exit 0.
func TestCleanUpOnSignal(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(cmd *exec.Cmd, stdout io.Closer) error
	}{
		{"SIGINT", func(cmd *exec.Cmd, _ io.Closer) error { return cmd.Process.Signal(syscall.SIGINT) }},
		{"SIGTERM", func(cmd *exec.Cmd, _ io.Closer) error { return cmd.Process.Signal(syscall.SIGTERM) }},
		{"SIGHUP", func(cmd *exec.Cmd, _ io.Closer) error { return cmd.Process.Signal(syscall.SIGHUP) }},
		{"closed stdout pipe", func(_ *exec.Cmd, stdout io.Closer) error { return stdout.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "CLI_TEST_CHILD=1", "TMPDIR="+tmp)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdout = w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			defer func() { _ = cmd.Process.Kill() }()
			dir, err := bufio.NewReader(r).ReadString('\n')
			if err != nil {
				t.Fatalf("read the temp dir: %v (stderr %s)", err, stderr.String())
			}
			dir = strings.TrimSpace(dir)
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("temp dir: %v", err)
			}
			if err := tc.end(cmd, r); err != nil {
				t.Fatal(err)
			}
			r.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("exit: %v, want status 0 (stderr %s)", err, stderr.String())
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("temp dir %s left behind (stat: %v)", dir, err)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		ok     bool
		stderr string
	}{
		{nil, OK, true, ""},
		{[]string{"--n", "3"}, OK, true, ""},
		{[]string{"--help"}, OK, false, "Usage: demo"},
		{[]string{"-h"}, OK, false, "-n int"},
		{[]string{"--nope"}, Error, false, "flag provided but not defined: -nope"},
		{[]string{"extra"}, Error, false, `unexpected arguments ["extra"]`},
	} {
		var stderr bytes.Buffer
		fs := FlagSet("demo", "Usage: demo [flags]\n", &stderr)
		fs.Int("n", 1, "a number")
		code, ok := Parse(fs, tc.args)
		if code != tc.code || ok != tc.ok || !strings.Contains(stderr.String(), tc.stderr) {
			t.Errorf("Parse(%q) = %d, %v, stderr %q; want %d, %v, stderr containing %q", tc.args, code, ok, stderr.String(), tc.code, tc.ok, tc.stderr)
		}
	}
}
