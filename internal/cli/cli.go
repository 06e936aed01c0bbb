// Package cli is the one shape of the Go commands under scripts/:
//
//	func main() { cli.Main(run) }
//
//	func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
//		fs := cli.FlagSet("name", usage, stderr)
//		... flags ...
//		if code, ok := cli.Parse(fs, args); !ok {
//			return code
//		}
//		...
//	}
//
// run gets a context that ends on any signal that would otherwise kill the process before
// its deferred clean-up ran, and returns the exit status: OK, Failed (a target missed, a
// policy violated) or Error (bad usage, or the command could not do its job). Tests call
// run directly.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses shared by every command.
const (
	OK     = 0 // done, every target met
	Failed = 1 // ran, but a target was missed or a check failed
	Error  = 2 // bad usage, or could not run
)

// Signals end the context given to run. Each of them otherwise kills the process on the
// spot, leaving its temp dirs (the built artifact, pgtestd: about 33 MB) behind:
//   - SIGHUP: the terminal was closed;
//   - SIGPIPE: the reader of stdout or stderr went away (`make local | head`). Once it is
//     notified, the Go runtime turns a write to the closed pipe into an EPIPE error instead
//     of exiting (os/signal, "SIGPIPE").
var Signals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE}

// Main runs run with the process's arguments and streams and exits with its status.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := signal.NotifyContext(context.Background(), Signals...)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// FlagSet returns a flag set for command name whose -h/--help prints usage (what the
// command does and how to call it) and then every flag.
func FlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args; ok is false when the command should exit with code right away:
// OK after -h/--help, Error on a bad flag (already reported with the usage) or on
// positional arguments, which no command takes.
func Parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := ParseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return OK, false
	}
	if err != nil {
		if fs.NArg() > 0 {
			fmt.Fprintf(fs.Output(), "%s: %v\n", fs.Name(), err)
		}
		return Error, false
	}
	return OK, true
}

// ParseArgs is Parse for commands that validate further and report one error: it returns
// flag.ErrHelp after -h/--help, the flag package's error (already printed with the
// usage), or an error for positional arguments.
func ParseArgs(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return nil
}

// Fail reports err as the command's error and returns Error.
func Fail(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return Error
}

// Print writes v as indented JSON when asJSON, else the table for people.
func Print(stdout io.Writer, asJSON bool, v any, table func(io.Writer)) {
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
		return
	}
	table(stdout)
}
