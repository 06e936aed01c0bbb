package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/internal/linkcheck"
)

var forbidden = []string{
	"github.com/GoogleCloudPlatform/functions-framework-go",
	"github.com/cloudevents/sdk-go/v2",
	"cloud.google.com/go/cloudsqlconn",
	"github.com/aws/aws-lambda-go",
	"github.com/aws/aws-sdk-go-v2",
}

// TestAzureLinkedPackagesAreAllowed holds the handler to its package-level
// allow-list (testdata/linked-packages.txt) and keeps heavy standard packages out.
func TestAzureLinkedPackagesAreAllowed(t *testing.T) {
	linkcheck.Check(t, linkcheck.Target{GOARCH: "amd64"}, "testdata/linked-packages.txt")
}

func TestAzureLinksNoOtherPlatform(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{.Module.Path}}{{end}}", ".")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	mods := strings.Fields(string(out))
	for _, m := range forbidden {
		if slices.Contains(mods, m) {
			t.Errorf("the Azure handler links %s", m)
		}
	}
	if !slices.Contains(mods, "github.com/jackc/pgx/v5") {
		t.Error("pgx is not linked: the list is wrong")
	}
}

// TestHandlerAnswersOnCustomHandlerPort builds the binary and runs it as the Functions host
// does: FUNCTIONS_CUSTOMHANDLER_PORT set, then HTTP on that port.
func TestHandlerAnswersOnCustomHandlerPort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the handler")
	}
	bin := filepath.Join(t.TempDir(), "handler")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = []string{"FUNCTIONS_CUSTOMHANDLER_PORT=" + port}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	var resp *http.Response
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err = http.Get("http://127.0.0.1:" + port + "/health"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no answer on FUNCTIONS_CUSTOMHANDLER_PORT=%s: %v", port, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"healthy"}` {
		t.Fatalf("GET /health: %d %s", resp.StatusCode, body)
	}
	// Without DATABASE_URL the app cannot build: /ready must say so, not crash.
	resp, err = http.Get("http://127.0.0.1:" + port + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 500 {
		t.Fatalf("GET /ready without DATABASE_URL: %d, want 5xx", resp.StatusCode)
	}
}

func TestMissingPortIsAClearError(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the handler")
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Env = append(os.Environ(), "FUNCTIONS_CUSTOMHANDLER_PORT=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "FUNCTIONS_CUSTOMHANDLER_PORT") {
		t.Fatalf("want a failure naming FUNCTIONS_CUSTOMHANDLER_PORT, got %v: %s", err, out)
	}
}
