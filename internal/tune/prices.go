package tune

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
)

//go:embed prices.json
var pricesJSON []byte

// Prices is the public price table the cost model uses (prices.json, with its source).
type Prices struct {
	Source   string    `json:"source"`
	Region   string    `json:"region"`
	AsOf     string    `json:"as_of"`
	Currency string    `json:"currency"`
	AWS      AWSPrices `json:"aws"`
}

// AWSPrices are measure.Lambda's list prices; per-arch maps are keyed "arm64" and "amd64".
type AWSPrices struct {
	RequestsPerMillion     float64            `json:"requests_per_million"`
	DurationGBs            map[string]float64 `json:"duration_gb_second"`
	ProvisionedGBs         map[string]float64 `json:"provisioned_concurrency_gb_second"`
	ProvisionedDurationGBs map[string]float64 `json:"provisioned_duration_gb_second"`
	BillingGranularityMs   float64            `json:"billing_granularity_ms"`
	InitBilled             string             `json:"init_billed"`
}

// DefaultPrices returns the table kept in the repository.
func DefaultPrices() Prices {
	p, err := parsePrices(pricesJSON, "internal/tune/prices.json")
	if err != nil {
		panic(err) // the embedded file is checked by a test
	}
	return p
}

// LoadPrices reads a price table in the same format (e.g. another region's prices).
func LoadPrices(path string) (Prices, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Prices{}, fmt.Errorf("read price table: %w", err)
	}
	return parsePrices(b, path)
}

func parsePrices(b []byte, source string) (Prices, error) {
	var p Prices
	if err := json.Unmarshal(b, &p); err != nil {
		return Prices{}, fmt.Errorf("%s: %w", source, err)
	}
	for _, arch := range []string{"arm64", "amd64"} {
		for name, m := range map[string]map[string]float64{"aws.duration_gb_second": p.AWS.DurationGBs,
			"aws.provisioned_concurrency_gb_second": p.AWS.ProvisionedGBs, "aws.provisioned_duration_gb_second": p.AWS.ProvisionedDurationGBs} {
			if m[arch] <= 0 {
				return Prices{}, fmt.Errorf("%s: %s.%s = %v: a positive price is required", source, name, arch, m[arch])
			}
		}
	}
	if p.AWS.RequestsPerMillion <= 0 || p.Source == "" {
		return Prices{}, fmt.Errorf("%s: aws.requests_per_million and source are required", source)
	}
	return p, nil
}
