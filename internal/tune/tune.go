package tune

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ai-agent-connector/ai-agent-connector/internal/measure"
)

// Setting is one memory size on one architecture.
type Setting struct {
	Arch     string `json:"arch"` // arm64 | amd64
	MemoryMB int    `json:"memory_mb"`
}

func (s Setting) String() string { return fmt.Sprintf("%s/%dMB", s.Arch, s.MemoryMB) }

// Point is the measured figures of one setting (medians, milliseconds).
type Point struct {
	Setting
	InitMs     float64 `json:"init_ms"`
	ColdMs     float64 `json:"cold_ms"`        // init + first request's Duration (the query when measured)
	WarmMs     float64 `json:"warm_ms"`        // Duration of a warm request (the pooled query when measured)
	ColdBilled float64 `json:"cold_billed_ms"` // what a cold request bills (init included on provided.*)
	WarmBilled float64 `json:"warm_billed_ms"`
	MaxMemory  float64 `json:"max_memory_used_mb"`
	// Filled by the cost model:
	CostPerMillion float64 `json:"cost_per_million"`
	LatencyMs      float64 `json:"latency_ms"` // what the strategy compares: see CostModel.Latency
	Score          float64 `json:"score"`
}

// PointFrom reduces one setting's samples to medians.
func PointFrom(set Setting, s measure.LambdaSamples) Point {
	med := func(invs []measure.Invocation, f func(measure.Invocation) float64) float64 {
		return measure.Summarize(measure.Collect(invs, f)).Median
	}
	p := Point{Setting: set}
	p.InitMs = med(s.Cold, func(i measure.Invocation) float64 { return i.Report.InitMs })
	p.MaxMemory = med(append(append([]measure.Invocation{}, s.Cold...), s.PooledQuery...), func(i measure.Invocation) float64 { return float64(i.Report.MaxMemoryMB) })
	if len(s.FirstQuery) > 0 {
		// A cold request in real traffic is a query: init, then the query on a cold pool.
		p.ColdMs = round2(p.InitMs + med(s.FirstQuery, func(i measure.Invocation) float64 { return i.Report.DurationMs }))
		p.ColdBilled = math.Ceil(p.ColdMs)
	} else {
		p.ColdMs = med(s.Cold, func(i measure.Invocation) float64 { return round2(i.Report.InitMs + i.Report.DurationMs) })
		p.ColdBilled = med(s.Cold, func(i measure.Invocation) float64 { return i.Report.BilledMs })
	}
	warm := s.Warm
	if len(s.PooledQuery) > 0 {
		warm = s.PooledQuery
	}
	p.WarmMs = med(warm, func(i measure.Invocation) float64 { return i.Report.DurationMs })
	p.WarmBilled = med(warm, func(i measure.Invocation) float64 { return i.Report.BilledMs })
	return p
}

// CostModel turns figures into cost per million requests for one stack's traffic.
type CostModel struct {
	Prices           Prices
	ColdShare        float64 // share of requests that meet a cold start (0..1)
	WarmInstances    int     // provisioned concurrency
	RequestsPerMonth float64 // spreads the fixed cost of provisioned concurrency over requests
}

// secondsPerMonth is the 730-hour month AWS uses in its pricing examples.
const secondsPerMonth = 730 * 3600

// Cost returns USD per million requests at p.
func (m CostModel) Cost(p Point) float64 {
	a := m.Prices.AWS
	gb := float64(p.MemoryMB) / 1024
	billedMs := m.ColdShare*p.ColdBilled + (1-m.ColdShare)*p.WarmBilled
	rate := a.DurationGBs[p.Arch]
	fixed := 0.0
	if m.WarmInstances > 0 {
		// Requests on provisioned environments bill a lower duration rate, and the
		// environments themselves bill all month.
		rate = a.ProvisionedDurationGBs[p.Arch]
		fixed = float64(m.WarmInstances) * gb * secondsPerMonth * a.ProvisionedGBs[p.Arch] * 1e6 / max(m.RequestsPerMonth, 1)
	}
	return a.RequestsPerMillion + rate*gb*billedMs/1000*1e6 + fixed
}

// Latency is what "speed" means for the stack: with no warm instances every idle period
// ends in a cold start, so the cold request (init + first query) is what users wait for
// at worst; with warm instances, the warm request.
func (m CostModel) Latency(p Point) float64 {
	if m.WarmInstances == 0 {
		return p.ColdMs
	}
	return p.WarmMs
}

// EstimateColdShare estimates the share of requests that find no warm environment. Traffic
// is a Poisson process of requestsPerMonth; an idle environment is reclaimed after
// idleSeconds, and even a busy one is replaced after about lifetimeSeconds (AWS publishes
// neither: 5-15 minutes idle and a few hours of lifetime are commonly observed). So the
// share is the larger of the chance that the previous request came more than idleSeconds
// ago and one cold start per lifetime of the one environment steady low traffic needs.
// With warm instances the share is taken as 0: provisioned environments are initialized
// ahead of traffic (bursts beyond them are not modelled).
func EstimateColdShare(requestsPerMonth float64, warmInstances int, idleSeconds, lifetimeSeconds float64) float64 {
	if warmInstances > 0 {
		return 0
	}
	if requestsPerMonth <= 0 {
		return 1
	}
	rate := requestsPerMonth / secondsPerMonth
	idle := math.Exp(-rate * idleSeconds)
	recycle := 0.0
	if lifetimeSeconds > 0 {
		recycle = min(1, 1/(rate*lifetimeSeconds))
	}
	return max(idle, recycle)
}

// Strategies the recommendation can follow.
var Strategies = []string{"cost", "speed", "balanced"}

// Recommend fills cost, latency and score of every point and returns the index of the best
// under strategy: cost (cheapest, ties to the faster), speed (fastest, ties within 5% to
// the cheaper) or balanced (minimum of weight*cost/cheapest + (1-weight)*latency/fastest).
func Recommend(points []Point, m CostModel, strategy string, weight float64) (int, error) {
	if len(points) == 0 {
		return -1, fmt.Errorf("no measured settings")
	}
	if !slices.Contains(Strategies, strategy) {
		return -1, fmt.Errorf("strategy %q: allowed %s", strategy, strings.Join(Strategies, ", "))
	}
	if weight < 0 || weight > 1 {
		return -1, fmt.Errorf("weight %v: allowed 0..1 (the weight of cost in the balanced strategy)", weight)
	}
	minCost, minLat := math.Inf(1), math.Inf(1)
	for i := range points {
		points[i].CostPerMillion = m.Cost(points[i])
		points[i].LatencyMs = m.Latency(points[i])
		minCost = min(minCost, points[i].CostPerMillion)
		minLat = min(minLat, points[i].LatencyMs)
	}
	best := 0
	for i := range points {
		p := &points[i]
		switch strategy {
		case "cost":
			p.Score = p.CostPerMillion
		case "speed":
			p.Score = p.LatencyMs
		case "balanced":
			p.Score = weight*p.CostPerMillion/minCost + (1-weight)*p.LatencyMs/max(minLat, 0.001)
		}
		if better(*p, points[best], strategy) {
			best = i
		}
	}
	return best, nil
}

func better(a, b Point, strategy string) bool {
	switch strategy {
	case "speed":
		if math.Abs(a.Score-b.Score) <= 0.05*min(a.Score, b.Score) {
			return a.CostPerMillion < b.CostPerMillion
		}
	case "cost":
		if a.Score == b.Score {
			return a.LatencyMs < b.LatencyMs
		}
	}
	return a.Score < b.Score
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
