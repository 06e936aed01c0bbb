package measure

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets are the guide's promises; a figure whose p90 misses its target fails the run.
type Targets struct {
	ColdMs   float64 `json:"cold_ms"`   // cold start: init + first response
	WarmMs   float64 `json:"warm_ms"`   // warm request
	PooledMs float64 `json:"pooled_ms"` // query on a warm pool
}

// DefaultTargets are the guide's: cold < 2 s, warm < 100 ms, pooled DB < 50 ms.
var DefaultTargets = Targets{ColdMs: 2000, WarmMs: 100, PooledMs: 50}

// Figure is one measured quantity.
type Figure struct {
	Key      string   `json:"key"`   // stable name, used to match previous and local runs
	Label    string   `json:"label"` // what it is, for the table
	Unit     string   `json:"unit"`  // "ms" | "MB"
	Summary  Summary  `json:"summary"`
	TargetMs float64  `json:"target_ms,omitempty"` // compared with the p90; 0 = none
	Pass     *bool    `json:"pass,omitempty"`
	Previous *float64 `json:"previous_median,omitempty"` // median of the same figure in the previous run
	Local    *float64 `json:"local_median,omitempty"`    // median of the same figure measured locally
}

// Result is one run of the tool against one stack.
type Result struct {
	Stack    string         `json:"stack"`
	Cloud    string         `json:"cloud"`
	Endpoint string         `json:"endpoint"` // function name or URL measured
	When     time.Time      `json:"when"`
	Cold     int            `json:"cold_runs"`
	Warm     int            `json:"warm_runs"`
	Figures  []Figure       `json:"figures"`
	Notes    []string       `json:"notes,omitempty"`
	Samples  map[string]any `json:"samples,omitempty"` // raw per-run data
}

// add appends a figure unless it has no samples.
func (r *Result) add(key, label, unit string, samples []float64, target float64) {
	if len(samples) == 0 {
		return
	}
	f := Figure{Key: key, Label: label, Unit: unit, Summary: Summarize(samples), TargetMs: target}
	if target > 0 {
		ok := f.Check().OK
		f.Pass = &ok
	}
	r.Figures = append(r.Figures, f)
}

// Check is the figure's verdict: its p90 against its target.
func (f Figure) Check() Check {
	return Below(f.Label+" p90", f.Summary.P90, f.TargetMs, f.Unit)
}

// Failed lists the figures that missed their target.
func (r *Result) Failed() []Figure {
	var out []Figure
	for _, f := range r.Figures {
		if f.Pass != nil && !*f.Pass {
			out = append(out, f)
		}
	}
	return out
}

// Compare fills Previous and Local from other runs (nil = none); figures match by key.
func (r *Result) Compare(previous, local *Result) {
	for i := range r.Figures {
		f := &r.Figures[i]
		if previous != nil {
			if g, ok := previous.figure(f.Key); ok {
				m := g.Summary.Median
				f.Previous = &m
			}
		}
		if local != nil {
			if g, ok := local.figure(f.Key); ok {
				m := g.Summary.Median
				f.Local = &m
			}
		}
	}
}

func (r *Result) figure(key string) (Figure, bool) {
	for _, f := range r.Figures {
		if f.Key == key {
			return f, true
		}
	}
	return Figure{}, false
}

// RunFile is where the last run of a stack is kept: DIR/<stack>.json.
func RunFile(dir, stack string) string { return filepath.Join(dir, stack+".json") }

// LoadRun reads a saved run; a missing file is (nil, nil).
func LoadRun(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read previous run: %w", err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a saved run: %w", path, err)
	}
	return &r, nil
}

// SaveRun writes r as JSON, creating the directory.
func SaveRun(path string, r *Result) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	return nil
}

// WriteTable prints r for people.
func (r *Result) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "stack %s (%s) %s: %d cold, %d warm\n", r.Stack, r.Cloud, r.Endpoint, r.Cold, r.Warm)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// tabwriter right-aligns every column; labels padded to one width read left-aligned.
	width := len("figure")
	for _, f := range r.Figures {
		width = max(width, len(f.Label)+len(f.Unit)+3)
	}
	pad := func(s string) string { return s + strings.Repeat(" ", width-len(s)) }
	fmt.Fprintln(tw, pad("figure")+"\tn\tmin\tmedian\tp90\tmax\ttarget\tok\tprevious\tlocal\t")
	for _, f := range r.Figures {
		s := f.Summary
		target, ok := "-", "-"
		if f.TargetMs > 0 {
			target = "< " + num(f.TargetMs)
			ok = "yes"
			if f.Pass != nil && !*f.Pass {
				ok = "NO"
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", pad(f.Label+" ("+f.Unit+")"), s.N,
			num(s.Min), num(s.Median), num(s.P90), num(s.Max), target, ok, opt(f.Previous), opt(f.Local))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
	var missed []Check
	for _, f := range r.Failed() {
		missed = append(missed, f.Check())
	}
	WriteChecks(w, missed)
	return nil
}

func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func opt(v *float64) string {
	if v == nil {
		return "-"
	}
	return num(*v)
}
