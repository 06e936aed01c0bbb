package measure_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/internal/measure"
)

// Nearest rank: every percentile reported is a sample that was measured, for durations as
// for milliseconds.
func ExamplePercentile() {
	sorted := []time.Duration{1 * time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond, 40 * time.Millisecond}
	fmt.Println(measure.Percentile(sorted, 50), measure.Percentile(sorted, 90), measure.Percentile([]float64{}, 99))
	// Output: 2ms 40ms 0
}

func ExampleSummarize() {
	s := measure.Summarize([]float64{12.5, 3.1, 4.2, 3.9, 250})
	fmt.Printf("n=%d min=%v median=%v p90=%v max=%v\n", s.N, s.Min, s.Median, s.P90, s.Max)
	// Output: n=5 min=3.1 median=4.2 p90=250 max=250
}

// Every tool gives its verdict as checks, printed one way, and fails (exit status 1) unless
// all of them are OK.
func ExampleWriteChecks() {
	checks := []measure.Check{
		measure.Below("warm invoke p90", 2.31, 100, "ms"),
		measure.Below("pooled DB query p90", 61.02, 50, "ms"),
		measure.AtMost("init median vs hello world", 1.2, 1.5, "x"),
	}
	measure.WriteChecks(os.Stdout, checks)
	fmt.Println("all ok:", measure.AllOK(checks))
	// Output:
	// ok   warm invoke p90                                 2.31 ms  (target < 100 ms)
	// MISS pooled DB query p90                             61.0 ms  (target < 50.0 ms)
	// ok   init median vs hello world                        1.20x  (target <= 1.50x)
	// all ok: false
}

func ExampleParseReport() {
	r, err := measure.ParseReport("REPORT RequestId: 3f0c\tDuration: 5.30 ms\tBilled Duration: 48 ms\tMemory Size: 256 MB\tMax Memory Used: 21 MB\tInit Duration: 41.20 ms\t")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Cold, r.InitMs, r.DurationMs, r.BilledMs, r.MemorySizeMB, r.MaxMemoryMB)
	// Output: true 41.2 5.3 48 256 21
}

func ExampleParseOutputs() {
	o, err := measure.ParseOutputs([]byte(`{"cloud":"aws","url":"https://x.lambda-url.eu-west-1.on.aws/",
		"functionName":"ai-agent-connector","aliasArn":"arn:aws:lambda:eu-west-1:123456789012:function:ai-agent-connector:live"}`), "out.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.Cloud, o.FunctionName, o.Region())
	// Output: aws ai-agent-connector eu-west-1
}

// Measuring a deployed stack (what `coldstart --stack` does): read its outputs, force cold
// starts through the Lambda API on AWS or time HTTP requests elsewhere, then print the
// figures against their targets.
func ExampleMeasureHTTP() {
	ctx := context.Background()
	o := measure.RunOptions{Cold: 1, Warm: 10, APIKey: os.Getenv("CONNECTOR_API_KEY"), Query: "SELECT 1", Targets: measure.DefaultTargets}
	s, err := measure.MeasureHTTP(ctx, "https://connector-abc.a.run.app", o, &measure.Progress{W: os.Stderr})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := measure.HTTPResult("gcp-dev", "gcp", "https://connector-abc.a.run.app", s, o)
	_ = res.WriteTable(os.Stdout)
	if len(res.Failed()) > 0 {
		os.Exit(1)
	}
}
