package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localrun"
)

// instance is one execution environment: a fresh RIE and function process.
type instance struct{ emu *lambdaemu.Emulator }

// Call builds the Function URL event the bridge would and invokes the RIE directly, so
// the figures hold the function and the emulator, not an extra local HTTP hop.
func (i *instance) Call(ctx context.Context, method, path, key, body string) (int, []byte, error) {
	r := httptest.NewRequest(method, "http://localhost"+path, strings.NewReader(body))
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	ev, err := json.Marshal(lambdaemu.NewEvent(r, []byte(body), time.Now()))
	if err != nil {
		return 0, nil, err
	}
	res, err := i.emu.Invoke(ctx, ev)
	if err != nil {
		return 0, nil, err
	}
	if res.Status != http.StatusOK {
		return 0, nil, fmt.Errorf("the emulator answered %d: %s", res.Status, res.Body)
	}
	resp, err := lambdaemu.DecodeResponse(res.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.Status, resp.Body, nil
}

func (i *instance) InitDuration(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return i.emu.WaitInitReport(ctx, 1)
}

func (i *instance) Close() error { return i.emu.Stop() }

// Run is one cold start and the warm calls that follow it.
type Run struct {
	Init          time.Duration   `json:"-"`
	FirstResponse time.Duration   `json:"-"`
	FirstQuery    time.Duration   `json:"-"` // 0 for the hello world
	WarmHealth    []time.Duration `json:"-"`
	WarmQuery     []time.Duration `json:"-"`
}

// MarshalJSON writes milliseconds.
func (r Run) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
	return json.Marshal(map[string]any{
		"init_ms": ms(r.Init), "first_response_ms": ms(r.FirstResponse), "first_query_ms": ms(r.FirstQuery),
		"warm_health_median_ms": ms(summarize(r.WarmHealth).Median), "warm_query_median_ms": ms(summarize(r.WarmQuery).Median),
	})
}

// Probe is what one run sends.
type Probe struct {
	Key   string
	Query string // "" for the hello world: only /health-like calls
}

const defaultQuery = `{"sql":"SELECT id, name, balance FROM customers WHERE id = $1","params":[42]}`

// measure performs one cold start: first response (/health), the init report, the first
// query on a cold pool, then warm calls. Every answer's status is checked, so a broken
// function cannot produce good-looking numbers.
func measure(ctx context.Context, loc *localrun.Local, o lambdaemu.Options, p Probe, warm int) (Run, error) {
	emu, err := loc.Emulator(ctx, o)
	if err != nil {
		return Run{}, err
	}
	inst := &instance{emu: emu}
	defer inst.Close()
	var r Run
	call := func(method, path, key, body string) (time.Duration, error) {
		t0 := time.Now()
		status, b, err := inst.Call(ctx, method, path, key, body)
		d := time.Since(t0)
		if err != nil {
			return 0, fmt.Errorf("%s %s: %w", method, path, err)
		}
		if status != http.StatusOK {
			return 0, fmt.Errorf("%s %s: status %d: %s", method, path, status, b)
		}
		return d, nil
	}
	if r.FirstResponse, err = call("GET", "/health", "", ""); err != nil {
		return r, err
	}
	if r.Init, err = inst.InitDuration(ctx); err != nil {
		return r, err
	}
	if p.Query != "" {
		if r.FirstQuery, err = call("POST", "/v1/query", p.Key, p.Query); err != nil {
			return r, err
		}
	}
	for range warm {
		d, err := call("GET", "/health", "", "")
		if err != nil {
			return r, err
		}
		r.WarmHealth = append(r.WarmHealth, d)
		if p.Query != "" {
			if d, err = call("POST", "/v1/query", p.Key, p.Query); err != nil {
				return r, err
			}
			r.WarmQuery = append(r.WarmQuery, d)
		}
	}
	return r, nil
}
