package main

import (
	"archive/zip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localpg"
)

// TestProvisionerBinaryUnderRIE runs the AWS role provisioner as deployed: the zip
// infra/build makes (host arch), its bootstrap under the Lambda Runtime Interface
// Emulator, invoked with the payload infra/aws sends, against real PostgreSQL with
// TLS on (the provisioner requires it, as RDS with rds.force_ssl does). A second
// invocation is idempotent; a privileged role is refused with an error payload.
func TestProvisionerBinaryUnderRIE(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the provisioner and starts a cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	root, err := build.FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	art, err := build.BuildDBRole(ctx, build.HostArch(), build.Options{RepoRoot: root, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("provisioner zip (%s): %d bytes", art.Target, art.Size)
	boot := unzipBootstrap(t, art.Path)

	pg, err := localpg.Start(ctx, root, localpg.Options{})
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	defer pg.Stop()
	owner := pg.OwnerURL
	enableTLS(t, owner, pg.Dir)
	if out, err := psqlAs(t, owner, "postgres", `CREATE SCHEMA app; CREATE TABLE app.orders (id int); INSERT INTO app.orders VALUES (1);
		CREATE SCHEMA hr; CREATE TABLE hr.salaries (id int); CREATE ROLE boss SUPERUSER LOGIN`); err != nil {
		t.Fatalf("setup: %v: %s", err, out)
	}

	emu, err := lambdaemu.Start(ctx, lambdaemu.Options{Bootstrap: boot, RepoRoot: root, Timeout: 60})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	u := mustURL(t, owner)
	port, _ := strconv.Atoi(u.Port())
	event := func(role string) []byte {
		b, _ := json.Marshal(map[string]any{
			"host": u.Hostname(), "port": port, "adminUser": "postgres",
			"adminSecret": `{"username":"postgres","password":"trust-on-loopback"}`,
			"roleSecret":  `{"username":"` + role + `","password":"from-the-role-secret"}`,
			"database":    strings.TrimPrefix(u.Path, "/"), "role": role, "schemas": []string{"app"}, "workMem": "32MB",
		})
		return b
	}
	for run := 1; run <= 2; run++ {
		res, err := emu.Invoke(ctx, event("reader"))
		if err != nil || res.Status != 200 || strings.Contains(string(res.Body), "errorMessage") || !strings.Contains(string(res.Body), `"role":"reader"`) {
			t.Fatalf("invoke %d: %v, status %d, body %s\nlogs:\n%s", run, err, res.Status, res.Body, strings.Join(emu.Logs(30), "\n"))
		}
	}
	if got, err := psqlAs(t, owner, "reader", "SELECT count(*) FROM app.orders"); err != nil || got != "1" {
		t.Errorf("reader reads app: %q (%v)", got, err)
	}
	if got, err := psqlAs(t, owner, "reader", "SELECT * FROM hr.salaries"); err == nil || !strings.Contains(got, "permission denied") {
		t.Errorf("reader reads hr: %q (%v), want permission denied", got, err)
	}
	if got, err := psqlAs(t, owner, "reader", "INSERT INTO app.orders VALUES (2)"); err == nil || !strings.Contains(got, "read-only transaction") {
		t.Errorf("reader writes: %q (%v), want a read-only refusal", got, err)
	}
	res, err := emu.Invoke(ctx, event("boss"))
	if err != nil || !strings.Contains(string(res.Body), "errorMessage") || !strings.Contains(string(res.Body), "is privileged") {
		t.Errorf("privileged role: %v, body %s, want an error payload naming the refusal", err, res.Body)
	}
	if strings.Contains(string(res.Body), "trust-on-loopback") || strings.Contains(strings.Join(emu.Logs(200), "\n"), "from-the-role-secret") {
		t.Error("a secret from the payload appears in the answer or the logs")
	}
}

func unzipBootstrap(t *testing.T, zipPath string) string {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	for _, f := range zr.File {
		if f.Name != build.LambdaHandler {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		out := filepath.Join(dir, f.Name)
		w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, r); err != nil {
			t.Fatal(err)
		}
		w.Close()
		return out
	}
	t.Fatalf("%s has no %s", zipPath, build.LambdaHandler)
	return ""
}

// enableTLS gives the running cluster a self-signed certificate and turns ssl on
// (reloadable since PostgreSQL 10), so sslmode=require connections work.
func enableTLS(t *testing.T, owner, clusterDir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// In the cluster's own dir: the server (user postgres under root) can reach it,
	// unlike a root-owned test temp dir.
	dir := filepath.Join(clusterDir, "tls")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	crt, kf := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(crt, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// The server runs as postgres (pgtest): it must own the key and reach the dir.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{dir, crt, kf} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	// One statement per call: ALTER SYSTEM refuses a transaction block (psql -c sends one).
	for _, sql := range []string{"ALTER SYSTEM SET ssl_cert_file = '" + crt + "'", "ALTER SYSTEM SET ssl_key_file = '" + kf + "'", "ALTER SYSTEM SET ssl = on", "SELECT pg_reload_conf()"} {
		if out, err := psqlAs(t, owner, "postgres", sql); err != nil {
			t.Fatalf("enable TLS (%s): %v: %s", sql, err, out)
		}
	}
	for i := 0; i < 50; i++ {
		if got, _ := psqlAs(t, owner, "postgres", "SHOW ssl"); got == "on" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("ssl did not turn on after pg_reload_conf")
}
