package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	tests := []struct {
		in                 []time.Duration
		min, med, p90, p99 int
	}{
		{ms(5), 5, 5, 5, 5},
		{ms(3, 1, 2), 1, 2, 3, 3},
		{ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 1, 5, 9, 10},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.in), func(t *testing.T) {
			s := summarize(tc.in)
			got := []time.Duration{s.Min, s.Median, s.P90, s.P99}
			want := ms(tc.min, tc.med, tc.p90, tc.p99)
			if !slices.Equal(got, want) {
				t.Errorf("%v: got min/median/p90/p99 %v, want %v", tc.in, got, want)
			}
		})
	}
	if s := summarize(nil); s.N != 0 || s.Median != 0 {
		t.Errorf("empty: %+v", s)
	}
}

func TestEvaluate(t *testing.T) {
	r := &Report{
		Connector: Summary{
			FirstResponse: Stats{P90: 30 * time.Millisecond},
			WarmHealth:    Stats{P90: 2 * time.Millisecond, P99: 6 * time.Millisecond},
			WarmQuery:     Stats{P90: 3 * time.Millisecond},
			FirstQuery:    Stats{P90: 20 * time.Millisecond},
		},
		Ratios: map[string]float64{"init_median": 1.2},
	}
	c, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	evaluate(c, r)
	if !r.OK || len(r.Checks) != 3 {
		t.Fatalf("guide targets: ok=%v checks=%+v", r.OK, r.Checks)
	}
	c.maxWarmP99 = 5 * time.Millisecond // the stricter target: 6 ms misses it
	c.maxInitRatio = 1.5
	r.Checks = nil
	evaluate(c, r)
	if r.OK {
		t.Fatalf("warm p99 6ms vs 5ms target must fail: %+v", r.Checks)
	}
	var missed []string
	for _, ch := range r.Checks {
		if !ch.OK {
			missed = append(missed, ch.Name)
		}
	}
	if len(missed) != 1 || missed[0] != "warm invoke p99" {
		t.Fatalf("missed %v, want only warm invoke p99", missed)
	}
}

func TestParseFlagsRejects(t *testing.T) {
	for _, args := range [][]string{{"--target", "aws-dev"}, {"--arch", "386"}, {"--runs", "0"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}

type stat struct {
	N        int
	MedianMS float64 `json:"median_ms"`
}

// TestEndToEnd runs the program for real (one cold start of each function) with an
// impossible warm target: the JSON must be complete and the exit code 1.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds artifacts, starts PostgreSQL and the emulator")
	}
	cmd := exec.Command("go", "run", ".", "--runs", "1", "--warm", "2", "--json", "--max-warm", "1ns")
	cmd.Env = append(cmd.Environ(), "DATABASE_URL=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("want exit code 1 for a missed target, got %v\n%s", err, stderr.String())
	}
	var rep struct {
		OK        bool
		Connector struct {
			Init       stat
			FirstQuery stat `json:"first_query"`
			WarmQuery  stat `json:"warm_query"`
		}
		Hello struct {
			Init struct{ N int }
		} `json:"hello_world"`
		Checks []struct {
			Name string
			OK   bool
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("decode %s: %v", stdout.String(), err)
	}
	c := rep.Connector
	if rep.OK || c.Init.N != 1 || c.FirstQuery.N != 1 || c.WarmQuery.N != 2 || rep.Hello.Init.N != 1 || c.Init.MedianMS <= 0 {
		t.Fatalf("incomplete report: %s", stdout.String())
	}
}
