package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildsAllThree runs the command as `make build` does and checks the three zips.
func TestBuildsAllThree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds artifacts")
	}
	out := t.TempDir()
	b, err := exec.Command("go", "run", ".", "-out", out).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, name := range []string{"lambda-arm64.zip", "azure-amd64.zip", "gcp-amd64.zip"} {
		st, err := os.Stat(filepath.Join(out, name))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
		if !strings.Contains(string(b), filepath.Join(out, name)) {
			t.Errorf("output does not list %s:\n%s", name, b)
		}
	}
}
