package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ai-agent-connector/ai-agent-connector/function/dbrole"
	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

// noTLS: the throwaway cluster listens on loopback without TLS.
func noTLS(c *pgx.ConnConfig) { c.TLSConfig = nil; c.Fallbacks = nil }

func exec1(t *testing.T, ctx context.Context, dsn, sql string) (string, error) {
	t.Helper()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return "", err
	}
	var out []string
	for rows.Next() {
		vs, err := rows.Values()
		if err != nil {
			return "", err
		}
		for _, v := range vs {
			out = append(out, toString(v))
		}
	}
	return strings.Join(out, ","), rows.Err()
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case []string:
		return strings.Join(x, ";")
	}
	return "?"
}

// TestProvisionerOnRealPostgres runs the Lambda handler against real PostgreSQL: the
// role it makes reads the listed schema only and cannot write, a second run changes
// nothing, later tables are readable, and a privileged role or a mismatched secret
// is refused with nothing changed.
func TestProvisionerOnRealPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pg, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	defer pg.Stop()
	owner := pg.OwnerURL
	as := func(user string) string {
		u, _ := url.Parse(owner)
		u.User = url.User(user)
		return u.String()
	}
	setup := `CREATE SCHEMA app; CREATE TABLE app.orders (id int); INSERT INTO app.orders VALUES (1), (2);
		CREATE SCHEMA hr; CREATE TABLE hr.salaries (id int, amount int); INSERT INTO hr.salaries VALUES (1, 100);
		CREATE ROLE boss SUPERUSER LOGIN; CREATE ROLE peeker LOGIN IN ROLE pg_read_all_data`
	if _, err := exec1(t, ctx, owner, setup); err != nil {
		t.Fatalf("setup: %v", err)
	}
	p := provisioner{configure: noTLS}
	ev := Event{
		Host: "127.0.0.1", Port: pg.Port, AdminUser: "postgres",
		AdminSecret: `{"username":"postgres","password":"unused-with-trust"}`,
		RoleSecret:  `{"username":"reader","password":"it's a \\secret $$"}`,
		Spec:        dbrole.Spec{Database: "postgres", Role: "reader", Schemas: []string{"app", "missing"}, WorkMem: "32MB"},
	}
	for run := 1; run <= 2; run++ {
		res, err := p.handle(ctx, ev)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if res.Role != "reader" || len(res.Notices) != 1 || !strings.Contains(res.Notices[0], "missing") {
			t.Errorf("run %d: result %+v, want role reader and one notice about schema missing", run, res)
		}
	}
	if _, err := exec1(t, ctx, owner, "CREATE TABLE app.later (id int); INSERT INTO app.later VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ sql, want, fails string }{
		{"SELECT count(*) FROM app.orders", "2", ""},
		{"SELECT id FROM app.later", "7", ""},
		{"SELECT amount FROM hr.salaries", "", "permission denied"},
		{"INSERT INTO app.orders VALUES (3)", "", "read-only transaction"},
		{"BEGIN READ WRITE; INSERT INTO app.orders VALUES (3); COMMIT", "", "permission denied"},
		{"CREATE TABLE app.x (id int)", "", "read-only transaction"},
		{"SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = current_user", "false", ""},
		{"SHOW work_mem", "32MB", ""},
	}
	for _, c := range checks {
		got, err := exec1(t, ctx, as("reader"), c.sql)
		if c.fails != "" {
			if err == nil || !strings.Contains(err.Error(), c.fails) {
				t.Errorf("%s as reader: want failure %q, got %q (%v)", c.sql, c.fails, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s as reader = %q (%v), want %q", c.sql, got, err, c.want)
		}
	}
	// The password was set (SCRAM verifier), so RDS Proxy's login with the secret works.
	if got, err := exec1(t, ctx, owner, "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'reader'"); err != nil || got != "true" {
		t.Errorf("reader's password: %q (%v), want a SCRAM verifier", got, err)
	}
	// The setting holding it is transaction-local: not left in the session.
	if got, _ := exec1(t, ctx, owner, "SELECT coalesce(current_setting('"+dbrole.PasswordSetting+"', true), '')"); got != "" {
		t.Errorf("password setting visible afterwards: %q", got)
	}

	refused := []struct {
		name string
		mut  func(*Event)
		want string
	}{
		{"superuser", func(e *Event) {
			e.Role, e.RoleSecret = "boss", `{"username":"boss","password":"x"}`
		}, "privileged"},
		{"secret of another user", func(e *Event) { e.RoleSecret = `{"username":"other","password":"x"}` }, "not the role"},
		{"admin secret of another user", func(e *Event) { e.AdminUser = "aacadmin" }, "not the master user"},
		{"not a secret", func(e *Event) { e.AdminSecret = "hunter2" }, "adminSecret is not a secret value"},
		{"member of pg_read_all_data", func(e *Event) {
			e.Role, e.RoleSecret = "peeker", `{"username":"peeker","password":"x"}`
		}, "member of an administrative or all-data role"},
		{"empty password", func(e *Event) { e.RoleSecret = `{"username":"reader","password":""}` }, "roleSecret is not a secret value"},
	}
	for _, r := range refused {
		e := ev
		r.mut(&e)
		_, err := p.handle(ctx, e)
		if err == nil || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: error %v, want %q", r.name, err, r.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error echoes the secret: %v", r.name, err)
		}
	}
	// Refused means unchanged: boss got no settings, no grants.
	if got, err := exec1(t, ctx, owner, "SELECT coalesce(array_to_string(rolconfig, ';'), 'none'), has_schema_privilege('boss', 'app', 'USAGE') FROM pg_roles WHERE rolname = 'boss'"); err != nil || got != "none,true" {
		// has_schema_privilege is true for a superuser anyway; rolconfig is the witness.
		t.Errorf("boss after refusal: %q (%v), want no settings", got, err)
	}
}

// TestPsqlForm: -psql prints the same statements as one transaction, the password
// only as the psql variable.
func TestPsqlForm(t *testing.T) {
	var out bytes.Buffer
	if err := printPsql(strings.NewReader(`{"database":"db","role":"reader","schemas":["app"],"setPassword":true,"workMem":"32MB"}`), &out); err != nil {
		t.Fatal(err)
	}
	stmts, _ := dbrole.Statements(dbrole.Spec{Database: "db", Role: "reader", Schemas: []string{"app"}, SetPassword: true, WorkMem: "32MB"})
	s := out.String()
	if !strings.HasPrefix(s, "\\set ON_ERROR_STOP on\nBEGIN;\nSET LOCAL aac.role_password = :'role_password';\n") || !strings.HasSuffix(s, "COMMIT;\n") {
		t.Errorf("psql script frame:\n%s", s)
	}
	for _, st := range stmts {
		if !strings.Contains(s, st+";\n") {
			t.Errorf("psql script lacks statement %q", st)
		}
	}
	if err := printPsql(strings.NewReader(`{"database":"db"}`), &out); err == nil {
		t.Error("a spec without role and schemas was accepted")
	}
}

// TestInputContract: testdata/input.json is what infra/aws.ProvisionerInput sends
// (infra/aws/provisioner_test.go compares its keys to the same file); every field
// is one the handler reads, and all of them are filled.
func TestInputContract(t *testing.T) {
	b, err := os.ReadFile("testdata/input.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var ev Event
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("the infra payload has a field the provisioner does not know: %v", err)
	}
	if ev.Host == "" || ev.Port == 0 || ev.AdminUser == "" || ev.AdminSecret == "" || ev.RoleSecret == "" ||
		ev.Database == "" || ev.Role == "" || len(ev.Schemas) == 0 || ev.WorkMem == "" {
		t.Errorf("payload leaves a field empty: %+v", ev)
	}
	if ev.SetPassword {
		t.Error("setPassword comes from the provisioner, not the payload")
	}
}
