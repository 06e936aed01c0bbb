package cli_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/ai-agent-connector/ai-agent-connector/internal/cli"
)

const usage = `Usage: go run ./scripts/hello [--name NAME]

Greets NAME.
`

// run is a whole command in the one shape: tests call it, main only wires the process.
func run(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.FlagSet("hello", usage, stderr)
	name := fs.String("name", "world", "who to greet")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	fmt.Fprintf(stdout, "hello, %s\n", *name)
	return cli.OK
}

func Example() {
	// In the command: func main() { cli.Main(run) }
	fmt.Println(run(context.Background(), []string{"--name", "agent"}, os.Stdout, io.Discard))
	fmt.Println(run(context.Background(), []string{"--help"}, os.Stdout, io.Discard))
	fmt.Println(run(context.Background(), []string{"--nope"}, os.Stdout, io.Discard))
	// Output:
	// hello, agent
	// 0
	// 0
	// 2
}
