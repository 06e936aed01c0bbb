// Package measure measures a deployed connector: forced cold starts and warm latency on AWS
// Lambda through the Lambda API (aws-sdk-go-v2), and HTTP phase timings (DNS, connect, TLS,
// first byte) on any URL (GCP, Azure). It also holds the one stats and verdict model of the
// tools (Percentile, Summary, Check). The memory sweep, cost model, prices and chart of
// scripts/tune live in internal/tune.
//
// The package never needs a cloud in tests: internal/measure/fakelambda serves the Lambda
// API over the real function running under the Lambda Runtime Interface Emulator.
package measure
