package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const sample = `init internal/bytealg @0 ms, 0 ms clock, 0 bytes, 0 allocs
init runtime @0.023 ms, 0.036 ms clock, 0 bytes, 0 allocs
some program output
init encoding/xml @1.0 ms, 0.015 ms clock, 18776 bytes, 6 allocs
init net/http @1.7 ms, 0.025 ms clock, 4712 bytes, 49 allocs
2026/11/26 expected AWS Lambda environment variables are not defined
`

func TestParseSortMerge(t *testing.T) {
	inits, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(inits) != 4 {
		t.Fatalf("parsed %d inits, want 4: %+v", len(inits), inits)
	}
	if x := inits[2]; x.Package != "encoding/xml" || x.StartMS != 1.0 || x.ClockMS != 0.015 || x.Bytes != 18776 || x.Allocs != 6 {
		t.Fatalf("encoding/xml parsed as %+v", x)
	}
	order := func(key string) string {
		c := append([]Init(nil), inits...)
		if err := Sort(c, key); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, i := range c[:2] {
			names = append(names, i.Package)
		}
		return strings.Join(names, ",")
	}
	if got := order("clock"); got != "runtime,net/http" {
		t.Errorf("by clock: %s", got)
	}
	if got := order("bytes"); got != "encoding/xml,net/http" {
		t.Errorf("by bytes: %s", got)
	}
	if got := order("allocs"); got != "net/http,encoding/xml" {
		t.Errorf("by allocs: %s", got)
	}
	if err := Sort(inits, "size"); err == nil {
		t.Error("unknown sort key: want an error")
	}
	slow := append([]Init(nil), inits...)
	slow[1].ClockMS = 9
	fast := append([]Init(nil), inits...)
	fast[1].ClockMS = 1
	m := Merge([][]Init{inits, slow, fast}) // runtime: 0.036, 9, 1 -> median 1
	if m[1].ClockMS != 1 {
		t.Errorf("median clock = %v, want 1", m[1].ClockMS)
	}
}

// TestTracesHelloWorld builds and traces the hello world baseline for real.
func TestTracesHelloWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an artifact")
	}
	out, err := exec.Command("go", "run", ".", "--target", "hello", "--runs", "1", "--top", "0", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Packages int
		Inits    []Init
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	seen := map[string]bool{}
	for _, i := range r.Inits {
		seen[i.Package] = true
	}
	if r.Packages != len(r.Inits) || !seen["runtime"] || !seen["net/http"] {
		t.Fatalf("trace of the hello world lacks runtime or net/http: %s", out)
	}
	if seen["github.com/jackc/pgx/v5/pgtype"] {
		t.Fatal("the hello world links pgx?")
	}
}
