package function

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

const testKey = "gcp-test-key-0123456789"

// TestServedByFunctionsFramework serves the package the way the Cloud Functions Go runtime
// does (funcframework with FUNCTION_TARGET=Connector) and calls it over HTTP, against a real
// PostgreSQL.
func TestServedByFunctionsFramework(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and an HTTP server")
	}
	ctx := context.Background()
	db, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Stop()
	t.Setenv("FUNCTION_TARGET", EntryPoint)
	t.Setenv("DATABASE_URL", db.AgentURL)
	t.Setenv("API_KEYS", testKey)
	t.Setenv("CLOUDSQL_INSTANCE", "")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	served := make(chan error, 1)
	// funcframework has no shutdown; the server ends with the test binary.
	go func() { served <- funcframework.StartHostPort("127.0.0.1", port) }()
	base := "http://127.0.0.1:" + port

	var resp *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-served:
			t.Fatalf("functions framework stopped: %v", err)
		default:
		}
		if resp, err = http.Get(base + "/health"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"healthy"}` {
		t.Fatalf("GET /health: %d %s", resp.StatusCode, body)
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/v1/query", strings.NewReader(`{"sql":"SELECT count(*) AS n FROM customers"}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var r struct{ Rows [][]any }
	if resp.StatusCode != 200 || json.Unmarshal(body, &r) != nil || len(r.Rows) != 1 || r.Rows[0][0] != float64(200) {
		t.Fatalf("POST /v1/query: %d %s", resp.StatusCode, body)
	}

	req, _ = http.NewRequest(http.MethodPost, base+"/v1/query", strings.NewReader(`{"sql":"SELECT 1"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST /v1/query without a key: %d, want 401", resp.StatusCode)
	}
}

// fakeServiceAccount writes a syntactically valid service-account key so the Cloud SQL
// dialer can be created without a network (credentials are only used when dialing).
func fakeServiceAccount(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	sa, _ := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "demo-project",
		"private_key_id": "0",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   "connector@demo-project.iam.gserviceaccount.com",
		"client_id":      "1",
		"token_uri":      "https://oauth2.googleapis.com/token",
	})
	p := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(p, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigureCloudSQL(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		wantDial bool
		wantErr  string
	}{
		{name: "no instance: plain DATABASE_URL", env: map[string]string{}},
		{name: "instance", env: map[string]string{"CLOUDSQL_INSTANCE": "demo-project:europe-west1:db"}, wantDial: true},
		{name: "private ip", env: map[string]string{"CLOUDSQL_INSTANCE": "demo-project:europe-west1:db", "CLOUDSQL_IP_TYPE": "private"}, wantDial: true},
		{name: "bad ip type", env: map[string]string{"CLOUDSQL_INSTANCE": "p:r:i", "CLOUDSQL_IP_TYPE": "carrier-pigeon"}, wantErr: `CLOUDSQL_IP_TYPE="carrier-pigeon"`},
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", fakeServiceAccount(t))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := pgxpool.ParseConfig("user=connector@demo-project.iam dbname=app sslmode=disable")
			if err != nil {
				t.Fatal(err)
			}
			defaultDial := reflect.ValueOf(cfg.ConnConfig.DialFunc).Pointer()
			err = configureCloudSQL(func(k string) string { return tc.env[k] })(context.Background(), cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error containing %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			replaced := reflect.ValueOf(cfg.ConnConfig.DialFunc).Pointer() != defaultDial
			if replaced != tc.wantDial {
				t.Fatalf("DialFunc replaced = %v, want %v", replaced, tc.wantDial)
			}
		})
	}
}
