package main

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// allowedModules is every module the local binary may link. A new entry
// must earn its place: check its size and init cost (scripts/inittrace)
// before adding it here.
var allowedModules = map[string]string{
	"github.com/ai-agent-connector/ai-agent-connector/function": "this module",
	"github.com/jackc/pgx/v5":                                   "the PostgreSQL driver and pool",
	"github.com/jackc/puddle/v2":                                "pgxpool's resource pool",
	"github.com/jackc/pgpassfile":                               "pgx: .pgpass support",
	"github.com/jackc/pgservicefile":                            "pgx: pg_service.conf support",
	"golang.org/x/text":                                         "pgx: SASLprep for SCRAM auth",
	"golang.org/x/sync":                                         "puddle: semaphore",
}

func TestLinkedModulesAreAllowed(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{.Module.Path}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for _, m := range strings.Fields(string(out)) {
		seen[m] = true
	}
	var extra, unused []string
	for m := range seen {
		if _, ok := allowedModules[m]; !ok {
			extra = append(extra, m)
		}
	}
	for m := range allowedModules {
		if !seen[m] {
			unused = append(unused, m)
		}
	}
	sort.Strings(extra)
	sort.Strings(unused)
	if len(extra) > 0 {
		t.Errorf("modules linked but not on the allow-list (check their size and init cost, then add them): %v", extra)
	}
	if len(unused) > 0 {
		t.Errorf("allow-listed modules no longer linked (remove them from the list): %v", unused)
	}
}
