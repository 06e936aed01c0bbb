package measure

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// LoadLocal reads the local target's report (`go run ./scripts/coldstart --json > FILE`,
// figures under "connector") and maps its medians onto the keys of a deployed run, so the
// table can show "local" beside each figure. A missing file is (nil, nil).
func LoadLocal(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read local figures: %w", err)
	}
	type stat struct {
		N      int     `json:"n"`
		Median float64 `json:"median_ms"`
	}
	var rep struct {
		Target    string `json:"target"`
		Connector map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Connector == nil {
		return nil, fmt.Errorf("%s: not the JSON of the local target (go run ./scripts/coldstart --json): %v", path, err)
	}
	r := &Result{Stack: "local", Cloud: "local"}
	// local figure -> the deployed figures it corresponds to
	mapping := map[string][]string{
		"init":           {"cold_init_ms"},
		"first_response": {"cold_total_ms", "first_total_ms"},
		"first_query":    {"first_query_ms"},
		"warm_invoke":    {"warm_ms"},
		"warm_query":     {"pooled_query_ms"},
	}
	for from, keys := range mapping {
		var s stat
		if raw, ok := rep.Connector[from]; !ok || json.Unmarshal(raw, &s) != nil || s.N == 0 {
			continue
		}
		for _, k := range keys {
			r.Figures = append(r.Figures, Figure{Key: k, Summary: Summary{N: s.N, Median: s.Median}})
		}
	}
	return r, nil
}
