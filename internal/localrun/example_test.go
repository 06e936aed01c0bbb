package localrun_test

import (
	"context"
	"fmt"
	"os"

	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localrun"
)

// What scripts/local, load, coldstart and fakelambda each do first: build and unpack the
// Lambda artifact, get a database, then start fresh execution environments from it.
func ExampleStart() {
	ctx := context.Background()
	step := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "==> "+format+"\n", args...) }
	loc, err := localrun.Start(ctx, localrun.Options{Name: "example", Step: step})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer loc.Close() // stops the database, removes the work dir
	emu, err := loc.Emulator(ctx, lambdaemu.Options{Env: []string{"DATABASE_URL=" + loc.DatabaseURL, "API_KEYS=example-key"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer emu.Stop()
	fmt.Println("function at", emu.InvokeURL, "database:", loc.Database)
}
