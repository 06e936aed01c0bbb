package tune

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
)

// ChartInfo titles the chart.
type ChartInfo struct {
	Title       string
	Recommended int // index into points; -1 = none
	Note        string
}

// series colours: one per arch; cold dashed, warm solid.
var archColor = map[string]string{"arm64": "#d9480f", "amd64": "#1c7ed6"}

// WriteChart writes a self-contained SVG of duration (cold and warm) and cost per million
// requests against memory size, one line per architecture (memory on a log2 axis).
func WriteChart(w io.Writer, points []Point, info ChartInfo) error {
	if len(points) == 0 {
		return fmt.Errorf("chart: no points")
	}
	const W, H, panelW, panelH, left, top, gap = 1100, 500, 400, 260, 90, 80, 150
	var mems []int
	for _, p := range points {
		if !slices.Contains(mems, p.MemoryMB) {
			mems = append(mems, p.MemoryMB)
		}
	}
	slices.Sort(mems)
	lo, hi := math.Log2(float64(mems[0])), math.Log2(float64(mems[len(mems)-1]))
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	xOf := func(ox float64, mb int) float64 { return ox + (math.Log2(float64(mb))-lo)/(hi-lo)*panelW }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", W, H)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", left, html.EscapeString(info.Title))
	if info.Note != "" {
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">%s</text>`+"\n", left, H-12, html.EscapeString(info.Note))
	}
	archs := []string{}
	for _, p := range points {
		if !slices.Contains(archs, p.Arch) {
			archs = append(archs, p.Arch)
		}
	}
	type series struct {
		name, class, dash, arch string
		y                       func(Point) float64
	}
	panels := []struct {
		ox     float64
		title  string
		yLabel string
		series []series
	}{
		{left, "duration vs memory", "ms (median)", nil},
		{left + panelW + gap, "cost per million requests vs memory", "USD", nil},
	}
	for _, a := range archs {
		panels[0].series = append(panels[0].series,
			series{a + " cold (init + first request)", "cold", "6 4", a, func(p Point) float64 { return p.ColdMs }},
			series{a + " warm", "warm", "", a, func(p Point) float64 { return p.WarmMs }})
		panels[1].series = append(panels[1].series,
			series{a + " cost", "cost", "", a, func(p Point) float64 { return p.CostPerMillion }})
	}
	for _, pn := range panels {
		maxY := 0.0
		for _, s := range pn.series {
			for _, p := range points {
				if p.Arch == s.arch {
					maxY = max(maxY, s.y(p))
				}
			}
		}
		step := niceStep(maxY / 4)
		top4 := math.Max(step*math.Ceil(maxY/step), step)
		yOf := func(v float64) float64 { return top + panelH - v/top4*panelH }
		fmt.Fprintf(&b, `<g class="panel"><text x="%.0f" y="%d" font-weight="bold">%s</text>`+"\n", pn.ox, top-10, html.EscapeString(pn.title))
		fmt.Fprintf(&b, `<rect x="%.0f" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", pn.ox, top, panelW, panelH)
		for v := 0.0; v <= top4+step/2; v += step {
			fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%.0f" y="%.1f" text-anchor="end" fill="#333">%s</text>`+"\n",
				pn.ox, pn.ox+panelW, yOf(v), yOf(v), pn.ox-6, yOf(v)+4, tick(v))
		}
		for _, m := range mems {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#333">%d</text>`+"\n", xOf(pn.ox, m), top+panelH+16, m)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="middle">memory (MB, log scale)</text>`+"\n", pn.ox+panelW/2, top+panelH+34)
		fmt.Fprintf(&b, `<text transform="translate(%.0f %d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", pn.ox-56, top+panelH/2, pn.yLabel)
		for si, s := range pn.series {
			var pts []string
			for _, p := range sortedByMem(points, s.arch) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(pn.ox, p.MemoryMB), yOf(s.y(p))))
			}
			dash := ""
			if s.dash != "" {
				dash = fmt.Sprintf(` stroke-dasharray="%s"`, s.dash)
			}
			fmt.Fprintf(&b, `<polyline class="series %s" data-arch="%s" fill="none" stroke="%s" stroke-width="2"%s points="%s"><title>%s</title></polyline>`+"\n",
				s.class, s.arch, archColor[s.arch], dash, strings.Join(pts, " "), html.EscapeString(s.name))
			for _, p := range sortedByMem(points, s.arch) {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %s</title></circle>`+"\n",
					xOf(pn.ox, p.MemoryMB), yOf(s.y(p)), archColor[s.arch], p.Setting, tick(s.y(p)))
			}
			// Legend under the panel, clear of the lines.
			ly := top + panelH + 56 + si*16
			fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/><text x="%.0f" y="%d">%s</text>`+"\n",
				pn.ox, pn.ox+24, ly, ly, archColor[s.arch], dash, pn.ox+30, ly+4, html.EscapeString(s.name))
		}
		if r := info.Recommended; r >= 0 && r < len(points) {
			p := points[r]
			y := p.LatencyMs
			if pn.series[0].class == "cost" {
				y = p.CostPerMillion
			}
			fmt.Fprintf(&b, `<circle class="recommended" cx="%.1f" cy="%.1f" r="8" fill="none" stroke="#2b8a3e" stroke-width="3"><title>recommended: %s</title></circle>`+"\n",
				xOf(pn.ox, p.MemoryMB), yOf(y), p.Setting)
		}
		b.WriteString("</g>\n")
	}
	if r := info.Recommended; r >= 0 && r < len(points) {
		fmt.Fprintf(&b, `<text x="%d" y="46" fill="#2b8a3e">recommended: %s (circled)</text>`+"\n", left, points[r].Setting)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedByMem(points []Point, arch string) []Point {
	var out []Point
	for _, p := range points {
		if p.Arch == arch {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Point) int { return a.MemoryMB - b.MemoryMB })
	return out
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func tick(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.3g", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}
