// Package tune is the memory x architecture sweep behind scripts/tune: it measures a
// deployed Lambda function at each setting (internal/measure does the forced cold starts
// and reads the REPORT lines), prices each per million requests with the cold-start share
// counted (prices.json, with its source), recommends one under a strategy, draws the SVG
// chart and writes the chosen memoryMB back into the stack file.
package tune
