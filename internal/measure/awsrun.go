package measure

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// RunOptions say how much to measure.
type RunOptions struct {
	Cold    int     // forced cold starts
	Warm    int     // warm requests after the last cold start
	APIKey  string  // bearer key for /v1/query; "" = no query figures
	Query   string  // SQL of the query figures ("" = SELECT 1)
	Targets Targets // zero fields = DefaultTargets
}

func (o RunOptions) withDefaults() RunOptions {
	if o.Query == "" {
		o.Query = "SELECT 1"
	}
	if o.Targets.ColdMs == 0 {
		o.Targets.ColdMs = DefaultTargets.ColdMs
	}
	if o.Targets.WarmMs == 0 {
		o.Targets.WarmMs = DefaultTargets.WarmMs
	}
	if o.Targets.PooledMs == 0 {
		o.Targets.PooledMs = DefaultTargets.PooledMs
	}
	return o
}

func (o RunOptions) queryBody() string {
	b, _ := json.Marshal(map[string]string{"sql": o.Query})
	return string(b)
}

// LambdaSamples are the raw invocations of one Lambda run.
type LambdaSamples struct {
	Cold        []Invocation `json:"cold"`
	FirstQuery  []Invocation `json:"first_query"`
	Warm        []Invocation `json:"warm"`
	PooledQuery []Invocation `json:"pooled_query"`
}

// MeasureLambdaSamples forces o.Cold cold starts (each followed by a first query when an
// API key is given), then o.Warm warm health requests and pooled queries. The function's
// environment and memory are restored afterwards, also on error.
func MeasureLambdaSamples(ctx context.Context, l *Lambda, o RunOptions, p *Progress) (s LambdaSamples, err error) {
	o = o.withDefaults()
	orig, err := l.State(ctx)
	if err != nil {
		return s, err
	}
	defer func() {
		// Restore with a fresh context: an interrupted run must still undo its changes.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
		defer cancel()
		p.Step("restoring %s", l.Function)
		if rerr := l.Restore(rctx, orig); rerr != nil && err == nil {
			err = rerr
		}
	}()
	return measureLambda(ctx, l, o, orig.Env, 0, p)
}

// MeasureLambdaAt is one measurement at the function's current code, with env set and
// memoryMB (0 = unchanged) applied on each forced cold start (scripts/tune's sweep); the
// caller restores the function.
func MeasureLambdaAt(ctx context.Context, l *Lambda, o RunOptions, env map[string]string, memoryMB int, p *Progress) (LambdaSamples, error) {
	return measureLambda(ctx, l, o.withDefaults(), env, memoryMB, p)
}

func measureLambda(ctx context.Context, l *Lambda, o RunOptions, env map[string]string, memoryMB int, p *Progress) (LambdaSamples, error) {
	var s LambdaSamples
	health := Request{Method: "GET", Path: "/health"}
	query := Request{Method: "POST", Path: "/v1/query", Body: o.queryBody(), APIKey: o.APIKey}
	for i := range o.Cold {
		p.Step("cold start %d/%d: updating %s and waiting for it", i+1, o.Cold, l.Function)
		if err := l.Configure(ctx, env, memoryMB); err != nil {
			return s, err
		}
		p.Step("cold start %d/%d: invoking", i+1, o.Cold)
		inv, err := l.Invoke(ctx, health)
		if err != nil {
			return s, fmt.Errorf("cold start %d: %w", i+1, err)
		}
		if !inv.Report.Cold {
			return s, fmt.Errorf("cold start %d: the REPORT line has no Init Duration, so the invoke was served by a warm environment (request %s)", i+1, inv.Report.RequestID)
		}
		s.Cold = append(s.Cold, inv)
		if o.APIKey != "" {
			inv, err := l.Invoke(ctx, query)
			if err != nil {
				return s, fmt.Errorf("first query after cold start %d: %w", i+1, err)
			}
			s.FirstQuery = append(s.FirstQuery, inv)
		}
	}
	for i := range o.Warm {
		p.Step("warm %d/%d", i+1, o.Warm)
		inv, err := l.Invoke(ctx, health)
		if err != nil {
			return s, fmt.Errorf("warm %d: %w", i+1, err)
		}
		s.Warm = append(s.Warm, inv)
		if o.APIKey != "" {
			inv, err := l.Invoke(ctx, query)
			if err != nil {
				return s, fmt.Errorf("pooled query %d: %w", i+1, err)
			}
			s.PooledQuery = append(s.PooledQuery, inv)
		}
	}
	return s, nil
}

// Collect maps invocations to one figure each.
func Collect(invs []Invocation, f func(Invocation) float64) []float64 {
	out := make([]float64, 0, len(invs))
	for _, i := range invs {
		out = append(out, f(i))
	}
	return out
}

// LambdaResult turns samples into the figures of the report.
func LambdaResult(stack, function string, s LambdaSamples, o RunOptions) *Result {
	o = o.withDefaults()
	r := &Result{Stack: stack, Cloud: "aws", Endpoint: "function " + function, When: time.Now().UTC(),
		Cold: len(s.Cold), Warm: len(s.Warm), Samples: map[string]any{"lambda": s}}
	initMs := func(i Invocation) float64 { return i.Report.InitMs }
	dur := func(i Invocation) float64 { return i.Report.DurationMs }
	coldTotal := func(i Invocation) float64 { return round2(i.Report.InitMs + i.Report.DurationMs) }
	rt := func(i Invocation) float64 { return i.RoundTripMs }
	billed := func(i Invocation) float64 { return i.Report.BilledMs }
	mem := func(i Invocation) float64 { return float64(i.Report.MaxMemoryMB) }
	r.add("cold_init_ms", "Init Duration", "ms", Collect(s.Cold, initMs), 0)
	r.add("cold_total_ms", "cold start: init + first response", "ms", Collect(s.Cold, coldTotal), o.Targets.ColdMs)
	r.add("cold_round_trip_ms", "cold invoke round trip", "ms", Collect(s.Cold, rt), 0)
	r.add("cold_billed_ms", "cold Billed Duration", "ms", Collect(s.Cold, billed), 0)
	r.add("first_query_ms", "first query (cold pool)", "ms", Collect(s.FirstQuery, dur), 0)
	r.add("warm_ms", "warm request (Duration)", "ms", Collect(s.Warm, dur), o.Targets.WarmMs)
	r.add("warm_round_trip_ms", "warm invoke round trip", "ms", Collect(s.Warm, rt), 0)
	r.add("warm_billed_ms", "warm Billed Duration", "ms", Collect(s.Warm, billed), 0)
	r.add("pooled_query_ms", "pooled query (Duration)", "ms", Collect(s.PooledQuery, dur), o.Targets.PooledMs)
	r.add("max_memory_mb", "Max Memory Used", "MB", Collect(append(append([]Invocation{}, s.Cold...), s.PooledQuery...), mem), 0)
	r.Notes = append(r.Notes, "cold starts forced by updating "+NonceVar+" on $LATEST (as lambda-perf does); the environment and memory were restored afterwards")
	if o.APIKey == "" {
		r.Notes = append(r.Notes, "no API key given (--api-key or CONNECTOR_API_KEY): query figures skipped")
	}
	return r
}
