package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/dbrole"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localpg"
)

// psqlAs runs one statement as user against the cluster (loopback).
func psqlAs(t *testing.T, ownerURL, user, sql string) (string, error) {
	t.Helper()
	u, err := url.Parse(ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	out, err := exec.Command("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", u.String(), "-c", sql).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestReadOnlyRoleOnRealPostgres: the role the script makes can log in and read
// the listed schema and nothing else, a second run changes nothing, and a
// privileged role is refused without any change.
func TestReadOnlyRoleOnRealPostgres(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Fatalf("psql is needed (postgresql-client): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root, err := build.FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := localpg.Start(ctx, root, localpg.Options{})
	if errors.Is(err, localpg.ErrNoPostgres) || err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	defer pg.Stop()
	owner := pg.OwnerURL
	db := strings.TrimPrefix(mustURL(t, owner).Path, "/")
	setup := `CREATE SCHEMA app; CREATE TABLE app.orders (id int); INSERT INTO app.orders VALUES (1), (2);
		CREATE SCHEMA hr; CREATE TABLE hr.salaries (id int, amount int); INSERT INTO hr.salaries VALUES (1, 100);
		CREATE ROLE boss SUPERUSER LOGIN;`
	if out, err := psqlAs(t, owner, "postgres", setup); err != nil {
		t.Fatalf("setup: %v: %s", err, out)
	}
	spec := dbrole.Spec{Database: db, Role: "reader", Schemas: []string{"app", "missing"}, SetPassword: true, WorkMem: "32MB"}
	for run := 1; run <= 2; run++ {
		var out bytes.Buffer
		if err := Apply(ctx, root, owner, spec, `it's a \secret`, &out); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	checks := []struct {
		sql, want string // want "" = must fail
		fails     string
	}{
		{"SELECT count(*) FROM app.orders", "2", ""},
		{"SELECT amount FROM hr.salaries", "", "permission denied"},
		{"INSERT INTO app.orders VALUES (3)", "", "read-only transaction"},
		{"BEGIN READ WRITE; INSERT INTO app.orders VALUES (3); COMMIT", "", "permission denied"},
		{"CREATE TABLE app.x (id int)", "", "read-only transaction"},
		{"SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = current_user", "f", ""},
		{"SHOW work_mem", "32MB", ""},
	}
	for _, c := range checks {
		got, err := psqlAs(t, owner, "reader", c.sql)
		if c.fails != "" {
			if err == nil || !strings.Contains(got, c.fails) {
				t.Errorf("%s as reader: want failure %q, got %q (%v)", c.sql, c.fails, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s as reader = %q (%v), want %q", c.sql, got, err, c.want)
		}
	}
	// A table the admin adds later is readable without running the script again.
	if out, err := psqlAs(t, owner, "postgres", "CREATE TABLE app.later (id int); INSERT INTO app.later VALUES (7)"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got, err := psqlAs(t, owner, "reader", "SELECT id FROM app.later"); err != nil || got != "7" {
		t.Errorf("later table as reader = %q (%v), want 7", got, err)
	}
	// The password was set (SCRAM verifier stored), though loopback may trust.
	if got, _ := psqlAs(t, owner, "postgres", "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'reader'"); got != "t" {
		t.Errorf("reader password verifier = %q, want a SCRAM verifier", got)
	}

	checkPsqlSetQuoting(t, owner)

	// Fail closed: a superuser as database.user is refused, and nothing changes.
	boss := spec
	boss.Role = "boss"
	err = Apply(ctx, root, owner, boss, "x", &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "is privileged") {
		t.Fatalf("want a refusal of the superuser role, got %v", err)
	}
	if got, _ := psqlAs(t, owner, "postgres", "SELECT has_schema_privilege('boss', 'app', 'USAGE') AND NOT rolsuper FROM pg_roles WHERE rolname = 'boss'"); got != "f" {
		t.Errorf("boss changed after a refused run: %q", got)
	}
	// Another database in the URL is refused before any grant.
	other := spec
	other.Database = "elsewhere"
	if err := Apply(ctx, root, owner, other, "x", &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "point the admin URL at it") {
		t.Errorf("want a refusal in the wrong database, got %v", err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

// checkPsqlSetQuoting: the password reaches the server exactly as given, whatever
// its quotes and backslashes (the server echoes the literal psql built from it).
func checkPsqlSetQuoting(t *testing.T, ownerURL string) {
	u := mustURL(t, ownerURL)
	for _, pw := range []string{`plain`, `it's`, `back\slash`, `q'"\\'x`, `dollar$$tag`} {
		cmd := exec.Command("psql", "-X", "-q", "-A", "-t", "-d", u.String(), "-f", "-")
		cmd.Stdin = strings.NewReader(dbrole.PsqlSet("role_password", pw) + "SELECT :'role_password';\n")
		out, err := cmd.CombinedOutput()
		if got := strings.TrimSuffix(string(out), "\n"); got != pw {
			t.Errorf("password %q came through as %q (%v)", pw, got, err)
		}
	}
}
