package tune_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure/measuretest"
	"github.com/ai-agent-connector/ai-agent-connector/internal/tune"
)

// TestSetMemoryMB edits a copy of every real stack file: exactly one line changes, and the
// config loader reads the new value back.
func TestSetMemoryMB(t *testing.T) {
	root := measuretest.Root(t)
	files, err := filepath.Glob(filepath.Join(root, "stacks", "Pulumi.*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stack files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			orig, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			cp := filepath.Join(dir, filepath.Base(f))
			if err := os.WriteFile(cp, orig, 0o644); err != nil {
				t.Fatal(err)
			}
			before, err := config.FromStackFile(root, "x", cp)
			if err != nil {
				t.Fatal(err)
			}
			want := 2048 // valid on every cloud's stacks (Azure Flex allows 512, 2048, 4096)
			if before.MemoryMB == want {
				want = 4096
			}
			hadKey := strings.Contains(string(orig), tune.MemoryKey)
			old, err := tune.SetMemoryMB(cp, want)
			if err != nil {
				t.Fatal(err)
			}
			if hadKey != (old != "") {
				t.Errorf("previous value %q, but the file had the key: %v", old, hadKey)
			}
			got, _ := os.ReadFile(cp)
			a, b := strings.Split(string(orig), "\n"), strings.Split(string(got), "\n")
			if !hadKey {
				// The key is added as the config mapping's last line: compare without it.
				var kept []string
				for _, l := range b {
					if strings.TrimSpace(l) != tune.MemoryKey+": "+strconv.Itoa(want) {
						kept = append(kept, l)
					}
				}
				if len(kept) != len(b)-1 {
					t.Fatalf("key not added once:\n%s", got)
				}
				b = kept
				a = append(a[:0:0], a...)
				for i := range a {
					if a[i] != b[i] {
						t.Fatalf("line %d changed: %q => %q", i+1, a[i], b[i])
					}
				}
			} else if len(a) != len(b) {
				t.Fatalf("line count %d -> %d:\n%s", len(a), len(b), got)
			}
			var changed []string
			for i := range a {
				if a[i] != b[i] {
					changed = append(changed, a[i]+" => "+b[i])
				}
			}
			if hadKey && (len(changed) != 1 || !strings.Contains(changed[0], tune.MemoryKey)) {
				t.Errorf("want only the memoryMB line changed, got %q", changed)
			}
			after, err := config.FromStackFile(root, "x", cp)
			if err != nil {
				t.Fatal(err)
			}
			if after.MemoryMB != want {
				t.Errorf("memoryMB %d after writing %d", after.MemoryMB, want)
			}
		})
	}
	if _, err := tune.SetMemoryMB(filepath.Join(t.TempDir(), "missing.yaml"), 512); err == nil {
		t.Error("a missing file must be an error")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("- a list\n"), 0o644)
	if _, err := tune.SetMemoryMB(bad, 512); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a non-mapping file: error %v must name the file", err)
	}
}
