// Package measuretest sets up what the measuring tools' tests need: a throwaway PostgreSQL,
// the real Lambda artifact served by the fake Lambda API, and a local HTTP target standing
// in for a GCP or Azure URL (the same connector handler behind the Function URL bridge).
package measuretest

import (
	"context"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localpg"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure/fakelambda"
)

// APIKey is the bearer key the test function accepts.
const APIKey = "measure-test-key-0123456789abcdef"

var (
	pgOnce sync.Once
	pg     *localpg.Cluster
	pgErr  error

	artMu sync.Mutex
	arts  = map[string][]byte{}
)

// Root returns the repository root.
func Root(t testing.TB) string {
	t.Helper()
	root, err := build.FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// DB starts one PostgreSQL for the test binary; call StopDB from TestMain.
func DB(t testing.TB) *localpg.Cluster {
	t.Helper()
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		pg, pgErr = localpg.Start(ctx, Root(t), localpg.Options{})
	})
	if pgErr != nil {
		t.Fatalf("start PostgreSQL: %v", pgErr)
	}
	return pg
}

// NewDB starts a PostgreSQL for one test, stopped when the test ends (for packages
// without a TestMain of their own to call StopDB).
func NewDB(t testing.TB) *localpg.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db, err := localpg.Start(ctx, Root(t), localpg.Options{})
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(db.Stop)
	return db
}

// StopDB stops the database started by DB, if any.
func StopDB() {
	if pg != nil {
		pg.Stop()
	}
}

// Artifact builds (once per arch) the Lambda package exactly as a deploy does.
func Artifact(t testing.TB, arch string) []byte {
	t.Helper()
	artMu.Lock()
	defer artMu.Unlock()
	if b, ok := arts[arch]; ok {
		return b
	}
	dir := t.TempDir()
	a, err := build.Build(context.Background(), build.Target{Platform: build.Lambda, Arch: arch},
		build.Options{RepoRoot: Root(t), OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	arts[arch] = b
	return b
}

// FunctionEnv is the connector's environment against db.
func FunctionEnv(db *localpg.Cluster) map[string]string {
	return map[string]string{"DATABASE_URL": db.AgentURL, "API_KEYS": APIKey, "POOL_SIZE": "1", "LOG_LEVEL": "warn"}
}

// FunctionName is the fake function's name.
const FunctionName = "ai-agent-connector-test"

// FakeLambda serves the Lambda API for the real function built for arch, against db.
func FakeLambda(t testing.TB, db *localpg.Cluster, arch string, memoryMB int) (*fakelambda.Server, string) {
	t.Helper()
	fake, err := fakelambda.New(context.Background(), fakelambda.Options{Name: FunctionName, Zip: Artifact(t, arch),
		Arch: arch, MemoryMB: memoryMB, Env: FunctionEnv(db), RepoRoot: Root(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(func() { srv.Close(); fake.Close() })
	return fake, srv.URL
}

// HTTPTarget serves the connector over plain HTTP, as a deployed GCP or Azure URL would:
// the real Lambda artifact behind the Function URL bridge (the handler is the same core on
// every platform; the GCP and Azure entrypoints are tested by their owners).
func HTTPTarget(t testing.TB, db *localpg.Cluster) string {
	t.Helper()
	dir := t.TempDir()
	zp := dir + "/code.zip"
	if err := os.WriteFile(zp, Artifact(t, build.HostArch()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := build.Extract(zp, dir+"/task"); err != nil {
		t.Fatal(err)
	}
	env := []string{}
	for k, v := range FunctionEnv(db) {
		env = append(env, k+"="+v)
	}
	emu, err := lambdaemu.Start(context.Background(), lambdaemu.Options{Bootstrap: dir + "/task/" + build.LambdaHandler, Env: env, RepoRoot: Root(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&lambdaemu.Bridge{Invoker: emu})
	t.Cleanup(func() { srv.Close(); emu.Stop() })
	return srv.URL
}

// SetFakeCredentials points the AWS SDK's default chain at dummy static credentials.
func SetFakeCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFAKELAMBDA")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
