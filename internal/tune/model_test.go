package tune

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestCostModel(t *testing.T) {
	prices := DefaultPrices()
	p := Point{Setting: Setting{Arch: "arm64", MemoryMB: 1024}, ColdBilled: 100, WarmBilled: 10, ColdMs: 99, WarmMs: 9}
	// 1 GB, on demand, 10% cold: 0.20 + 0.0000133334 * 1 * (0.1*100 + 0.9*10)/1000 * 1e6
	m := CostModel{Prices: prices, ColdShare: 0.1, RequestsPerMonth: 1e6}
	want := 0.20 + 0.0000133334*(0.1*100+0.9*10)/1000*1e6
	if got := m.Cost(p); math.Abs(got-want) > 1e-9 {
		t.Errorf("on-demand cost %v, want %v", got, want)
	}
	if m.Latency(p) != 99 {
		t.Error("without warm instances the cold request is the latency")
	}
	// One provisioned environment all month, over 1M requests, no cold starts.
	m = CostModel{Prices: prices, WarmInstances: 1, RequestsPerMonth: 1e6}
	want = 0.20 + 0.0000077778*10/1000*1e6 + 1*1*730*3600*0.0000033334
	if got := m.Cost(p); math.Abs(got-want) > 1e-9 {
		t.Errorf("provisioned cost %v, want %v", got, want)
	}
	if m.Latency(p) != 9 {
		t.Error("with warm instances the warm request is the latency")
	}
}

func TestEstimateColdShare(t *testing.T) {
	perIdle := 730 * 3600 / 600.0 // one request per idle lifetime on average
	tests := []struct {
		name     string
		rpm      float64
		warm     int
		lifetime float64
		want     float64
	}{
		{"warm instances", 1e6, 1, 7200, 0},
		{"no traffic", 0, 0, 7200, 1},
		{"sparse traffic: idle expiry dominates", perIdle, 0, 7200, math.Exp(-1)},
		{"steady traffic: recycling dominates", 1e6, 0, 7200, 730 * 3600 / 1e6 / 7200},
		{"no lifetime limit", 1e6, 0, 0, math.Exp(-1e6 / (730 * 3600) * 600)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := EstimateColdShare(tc.rpm, tc.warm, 600, tc.lifetime); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRecommend(t *testing.T) {
	pts := func() []Point {
		return []Point{ // cheap and slow, middle, fast and dear
			{Setting: Setting{"arm64", 128}, ColdMs: 300, WarmMs: 20, ColdBilled: 300, WarmBilled: 20},
			{Setting: Setting{"arm64", 512}, ColdMs: 100, WarmMs: 6, ColdBilled: 100, WarmBilled: 6},
			{Setting: Setting{"arm64", 2048}, ColdMs: 97, WarmMs: 5, ColdBilled: 97, WarmBilled: 5},
		}
	}
	m := CostModel{Prices: DefaultPrices(), ColdShare: 0.05, RequestsPerMonth: 1e6}
	tests := []struct {
		strategy string
		weight   float64
		want     int
	}{
		{"cost", 0.5, 0},
		{"speed", 0.5, 1}, // 2048 is 3% faster than 512: within 5%, the cheaper wins
		{"balanced", 0.5, 1},
		{"balanced", 1, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%v", tc.strategy, tc.weight), func(t *testing.T) {
			p := pts()
			got, err := Recommend(p, m, tc.strategy, tc.weight)
			if err != nil || got != tc.want {
				t.Errorf("got %d (%v), want %d; points %+v", got, err, tc.want, p)
			}
		})
	}
	if _, err := Recommend(pts(), m, "fastest", 0.5); err == nil || !strings.Contains(err.Error(), "cost, speed, balanced") {
		t.Errorf("unknown strategy: %v", err)
	}
	if _, err := Recommend(nil, m, "cost", 0.5); err == nil {
		t.Error("no points must be an error")
	}
}

func TestPricesTable(t *testing.T) {
	p := DefaultPrices()
	if p.Source == "" || p.AsOf == "" || p.AWS.DurationGBs["arm64"] >= p.AWS.DurationGBs["amd64"] {
		t.Errorf("price table: %+v", p)
	}
	if _, err := parsePrices([]byte(`{"source":"x","aws":{"requests_per_million":0.2,"duration_gb_second":{"arm64":1}}}`), "p.json"); err == nil || !strings.Contains(err.Error(), "p.json") {
		t.Errorf("incomplete table: %v", err)
	}
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{0.7: 1, 3: 5, 12: 20, 45: 50, 0.013: 0.02, 0: 1} {
		if got := niceStep(raw); math.Abs(got-want) > 1e-12 {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
}
