package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

type refRow struct{ typ, def string }

// readReference parses the config table between the README markers.
func readReference(t *testing.T, root string) map[string]refRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "<!-- config-reference:start -->")
	j := strings.Index(s, "<!-- config-reference:end -->")
	if i < 0 || j < i {
		t.Fatal("README.md lacks the config-reference markers")
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| ([^|]+) \\| ([^|]+) \\|")
	rows := map[string]refRow{}
	for _, m := range row.FindAllStringSubmatch(s[i:j], -1) {
		if _, dup := rows[m[1]]; dup {
			t.Errorf("README config reference: %s documented twice", m[1])
		}
		rows[m[1]] = refRow{typ: strings.TrimSpace(m[2]), def: strings.TrimSpace(m[3])}
	}
	if len(rows) == 0 {
		t.Fatal("README config reference has no rows")
	}
	return rows
}

// literal returns the value of a default written as a single `code` span.
func literal(def string) (string, bool) {
	if len(def) >= 2 && def[0] == '`' && def[len(def)-1] == '`' && !strings.Contains(def[1:len(def)-1], "`") {
		return def[1 : len(def)-1], true
	}
	return "", false
}

// TestConfigReferenceMatchesPulumiYAML: every declared key is documented with its type and
// its declared default; no documented key is undeclared.
func TestConfigReferenceMatchesPulumiYAML(t *testing.T) {
	r := root(t)
	proj, err := workspace.LoadProject(filepath.Join(r, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rows := readReference(t, r)
	for name, decl := range proj.Config {
		row, ok := rows[name]
		if !ok {
			t.Errorf("Pulumi.yaml declares %s, the README table does not document it", name)
			continue
		}
		if row.typ != decl.TypeName() {
			t.Errorf("%s: README type %q, Pulumi.yaml type %q", name, row.typ, decl.TypeName())
		}
		lit, isLit := literal(row.def)
		switch {
		case decl.Default != nil && (!isLit || lit != fmt.Sprint(decl.Default)):
			t.Errorf("%s: README default %s, Pulumi.yaml default %v", name, row.def, decl.Default)
		case decl.Default == nil && isLit:
			t.Errorf("%s: README default %s, but Pulumi.yaml declares none (per-cloud defaults are written as text)", name, row.def)
		}
		if decl.Description == "" {
			t.Errorf("Pulumi.yaml: %s has no description", name)
		}
	}
	for name := range rows {
		top, _, _ := strings.Cut(name, ".")
		if _, ok := proj.Config[top]; !ok {
			t.Errorf("README documents %s, Pulumi.yaml does not declare %s", name, top)
		}
	}
}

// TestConfigReferenceMatchesSections: every setting of the object keys is documented, and
// literal defaults agree with what the loader fills in for a minimal stack of that cloud.
func TestConfigReferenceMatchesSections(t *testing.T) {
	r := root(t)
	rows := readReference(t, r)
	documented := map[string]bool{}
	for name := range rows {
		if strings.Contains(name, ".") {
			documented[name] = true
		}
	}
	sections := []struct {
		key   string
		cloud string
		get   func(c *config.Config) any
	}{
		{"database", "aws", func(c *config.Config) any { return c.Database }},
		{"aws", "aws", func(c *config.Config) any { return c.AWS }},
		{"gcp", "gcp", func(c *config.Config) any { return c.GCP }},
		{"azure", "azure", func(c *config.Config) any { return c.Azure }},
	}
	for _, sec := range sections {
		c, err := config.FromStackFile(r, "test", writeStack(t, "  ai-agent-connector:cloud: "+sec.cloud+"\n", ""))
		if err != nil {
			t.Logf("minimal %s stack is not valid (%v): checking %s names only", sec.cloud, err, sec.key)
			c = nil
		}
		var v reflect.Value
		if c != nil {
			v = reflect.ValueOf(sec.get(c))
		} else {
			v = reflect.ValueOf(sec.get(&config.Config{}))
		}
		for i := 0; i < v.NumField(); i++ {
			tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			name := sec.key + "." + tag
			delete(documented, name)
			row, ok := rows[name]
			if !ok {
				t.Errorf("setting %s (config.%s) is not documented in the README table", name, v.Type().Field(i).Name)
				continue
			}
			if lit, isLit := literal(row.def); isLit && c != nil {
				if got := fmt.Sprint(v.Field(i).Interface()); got != lit {
					t.Errorf("%s: README default %q, loader default %q", name, lit, got)
				}
			}
		}
	}
	for name := range documented {
		t.Errorf("README documents %s, which no config struct has", name)
	}
}
