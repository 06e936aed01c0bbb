package tune

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/internal/measure"
)

// TuneOptions say which settings to measure and how.
type TuneOptions struct {
	MemoryMB []int
	Archs    []string           // "arm64", "amd64"
	Run      measure.RunOptions // cold starts and warm requests per setting
	// Package returns the measure.Lambda zip for arch (built from this checkout); needed only to
	// switch architectures.
	Package func(ctx context.Context, arch string) ([]byte, error)
}

// TuneRun is the outcome of measuring every setting.
type TuneRun struct {
	Points  []Point                          `json:"points"`
	Samples map[string]measure.LambdaSamples `json:"samples"` // by Setting.String()
	Notes   []string                         `json:"notes,omitempty"`
}

// TuneLambda measures every (arch, memory) setting on the function: each starts with a
// configuration update (memory + nonce), so its first invoke is a real cold start. The
// function's code, architecture, memory and environment are put back at the end.
func TuneLambda(ctx context.Context, l *measure.Lambda, o TuneOptions, p *measure.Progress) (tr TuneRun, err error) {
	orig, err := l.State(ctx)
	if err != nil {
		return tr, err
	}
	archs := slices.Clone(o.Archs)
	// The deployed arch first: no code upload until the other one is measured.
	slices.SortStableFunc(archs, func(a, b string) int {
		switch {
		case a == orig.Arch && b != orig.Arch:
			return -1
		case b == orig.Arch && a != orig.Arch:
			return 1
		}
		return 0
	})
	current := orig.Arch
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
		defer cancel()
		if current != orig.Arch {
			p.Step("restoring the %s code of %s", orig.Arch, l.Function)
			if rerr := switchArch(rctx, l, o, orig.Arch); rerr != nil {
				if err == nil {
					err = fmt.Errorf("restore the %s code of %s: %w", orig.Arch, l.Function, rerr)
				} else {
					err = fmt.Errorf("%w; and restoring the %s code failed: %v", err, orig.Arch, rerr)
				}
				return
			}
			if now, serr := l.State(rctx); serr == nil && now.CodeSha256 != orig.CodeSha256 {
				tr.Notes = append(tr.Notes, fmt.Sprintf("the %s code was rebuilt from this checkout and differs from the deployed one (sha256 %s, was %s): run pulumi up to redeploy the stack's own",
					orig.Arch, now.CodeSha256, orig.CodeSha256))
			}
		}
		p.Step("restoring %s (memory %d MB, environment)", l.Function, orig.MemoryMB)
		if rerr := l.Restore(rctx, orig); rerr != nil && err == nil {
			err = rerr
		}
	}()
	tr.Samples = map[string]measure.LambdaSamples{}
	total, n := len(archs)*len(o.MemoryMB), 0
	for _, arch := range archs {
		if arch != current {
			p.Step("uploading the %s package", arch)
			if err := switchArch(ctx, l, o, arch); err != nil {
				return tr, err
			}
			current = arch
		}
		for _, mb := range o.MemoryMB {
			n++
			set := Setting{Arch: arch, MemoryMB: mb}
			sp := &measure.Progress{W: nil}
			if p != nil {
				sp = &measure.Progress{W: prefixWriter{p, fmt.Sprintf("[%d/%d %s] ", n, total, set)}}
			}
			s, err := measure.MeasureLambdaAt(ctx, l, o.Run, orig.Env, mb, sp)
			if err != nil {
				return tr, fmt.Errorf("%s: %w", set, err)
			}
			tr.Samples[set.String()] = s
			tr.Points = append(tr.Points, PointFrom(set, s))
		}
	}
	return tr, nil
}

func switchArch(ctx context.Context, l *measure.Lambda, o TuneOptions, arch string) error {
	if o.Package == nil {
		return fmt.Errorf("measuring %s needs its package, and no builder was given", arch)
	}
	zip, err := o.Package(ctx, arch)
	if err != nil {
		return fmt.Errorf("build the %s package: %w", arch, err)
	}
	return l.SetCode(ctx, zip, arch)
}

// prefixWriter routes a sub-step's progress through the parent line with a prefix.
type prefixWriter struct {
	p      *measure.Progress
	prefix string
}

func (w prefixWriter) Write(b []byte) (int, error) {
	msg := string(b)
	for len(msg) > 0 && (msg[0] == '\r') {
		msg = msg[1:]
	}
	if trimmed := trimSpaceRight(msg); trimmed != "" {
		w.p.Step("%s%s", w.prefix, trimmed)
	}
	return len(b), nil
}

func trimSpaceRight(s string) string {
	i := len(s)
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\r') {
		i--
	}
	return s[:i]
}
