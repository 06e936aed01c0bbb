package measure_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure/measuretest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	measuretest.StopDB()
	os.Exit(code)
}

// TestLambdaAgainstFake forces real cold starts of the real function through the SDK and
// the fake Lambda API, and checks what a user relies on: cold invokes carry an Init
// Duration, warm ones do not, queries answer, and the function is left as it was found.
func TestLambdaAgainstFake(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function and runs PostgreSQL and the Lambda emulator")
	}
	measuretest.SetFakeCredentials(t)
	fake, url := measuretest.FakeLambda(t, measuretest.DB(t), build.HostArch(), 256)
	before := fake.Env()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client, err := measure.NewLambdaClient(ctx, "us-east-1", url)
	if err != nil {
		t.Fatal(err)
	}
	l := &measure.Lambda{Client: client, Function: "ai-agent-connector-test", PollMin: 20 * time.Millisecond}
	o := measure.RunOptions{Cold: 2, Warm: 3, APIKey: measuretest.APIKey, Query: "SELECT count(*) FROM customers"}
	s, err := measure.MeasureLambdaSamples(ctx, l, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Cold) != 2 || len(s.FirstQuery) != 2 || len(s.Warm) != 3 || len(s.PooledQuery) != 3 {
		t.Fatalf("samples: %d cold, %d first query, %d warm, %d pooled", len(s.Cold), len(s.FirstQuery), len(s.Warm), len(s.PooledQuery))
	}
	for i, c := range s.Cold {
		if !c.Report.Cold || c.Report.InitMs <= 0 || c.Report.DurationMs <= 0 || c.Status != 200 {
			t.Errorf("cold %d: %+v", i, c)
		}
		// Lambda bills a custom runtime's init: billed >= init + duration.
		if c.Report.BilledMs < c.Report.InitMs+c.Report.DurationMs {
			t.Errorf("cold %d: billed %v < init %v + duration %v", i, c.Report.BilledMs, c.Report.InitMs, c.Report.DurationMs)
		}
		if c.Report.MemorySizeMB != 256 {
			t.Errorf("cold %d: memory size %d, want 256", i, c.Report.MemorySizeMB)
		}
		if c.Report.MaxMemoryMB <= 0 || c.Report.MaxMemoryMB >= 256 {
			t.Errorf("cold %d: Max Memory Used %d MB: want the process's peak RSS, not the memory size", i, c.Report.MaxMemoryMB)
		}
	}
	for i, w := range append(append(s.FirstQuery, s.Warm...), s.PooledQuery...) {
		if w.Report.Cold || w.Status != 200 {
			t.Errorf("invoke %d after a cold start: %+v", i, w)
		}
	}
	if got := fake.Env(); len(got) != len(before) || got[measure.NonceVar] != "" {
		t.Errorf("environment not restored: %v", got)
	}
	if fake.Updates() != 3 { // two forced cold starts and the restore
		t.Errorf("%d configuration updates, want 3", fake.Updates())
	}
	r := measure.LambdaResult("aws-dev", l.Function, s, o)
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Init Duration", "pooled query", "first query"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	t.Logf("\n%s", b.String())
}
