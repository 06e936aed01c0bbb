package tune

import (
	"bytes"
	"context"
	"encoding/xml"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func chartPoints() []Point {
	return []Point{
		{Setting: Setting{"arm64", 128}, ColdMs: 120, WarmMs: 4, CostPerMillion: 0.21, LatencyMs: 120},
		{Setting: Setting{"arm64", 1024}, ColdMs: 45, WarmMs: 2, CostPerMillion: 0.25, LatencyMs: 45},
		{Setting: Setting{"amd64", 128}, ColdMs: 140, WarmMs: 5, CostPerMillion: 0.22, LatencyMs: 140},
		{Setting: Setting{"amd64", 1024}, ColdMs: 50, WarmMs: 2, CostPerMillion: 0.27, LatencyMs: 50},
	}
}

func TestChartSVG(t *testing.T) {
	var b bytes.Buffer
	if err := WriteChart(&b, chartPoints(), ChartInfo{Title: "t <&> x", Recommended: 1}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Width     string `xml:"width,attr"`
		Polylines []struct {
			Class  string `xml:"class,attr"`
			Points string `xml:"points,attr"`
		} `xml:"g>polyline"`
		Texts []string `xml:"text"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not well-formed (titles must be escaped): %v", err)
	}
	if len(doc.Polylines) != 6 {
		t.Errorf("%d series, want 6 (cold, warm, cost for 2 archs)", len(doc.Polylines))
	}
	if !strings.Contains(strings.Join(doc.Texts, "|"), "t <&> x") || !strings.Contains(strings.Join(doc.Texts, "|"), "recommended: arm64/1024MB") {
		t.Errorf("texts %q", doc.Texts)
	}
	if err := WriteChart(&b, nil, ChartInfo{}); err == nil {
		t.Error("no points must be an error")
	}
}

// TestChartPNG renders the chart with headless Chromium when it is installed (the docs'
// PNG path) and checks the picture: the SVG's size, and the series colours present.
func TestChartPNG(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" || testing.Short() {
		t.Skip("no headless Chromium (apt-get install chromium)")
	}
	dir := t.TempDir()
	svg, out := filepath.Join(dir, "c.svg"), filepath.Join(dir, "c.png")
	f, _ := os.Create(svg)
	if err := WriteChart(f, chartPoints(), ChartInfo{Title: "png", Recommended: 0}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--window-size=1100,500", "--screenshot="+out, "file://"+svg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, b)
	}
	pf, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	img, err := png.Decode(pf)
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 1100 || r.Dy() != 500 {
		t.Errorf("PNG is %dx%d, want 1100x500", r.Dx(), r.Dy())
	}
	found := map[string]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			switch {
			case r>>8 > 0xc0 && g>>8 < 0x70 && b>>8 < 0x40: // #d9480f, arm64
				found["arm64"] = true
			case r>>8 < 0x40 && g>>8 > 0x60 && b>>8 > 0xb0: // #1c7ed6, amd64
				found["amd64"] = true
			}
		}
	}
	if !found["arm64"] || !found["amd64"] {
		t.Errorf("series colours in the PNG: %v", found)
	}
}
