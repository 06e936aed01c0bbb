package connector

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func ownerExec(t *testing.T, sqls ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, cluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range sqls {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// bouncerAllow adds roles to PgBouncer's user list (auth_type trust still
// needs the name there) and reloads it through its admin console.
func bouncerAllow(t *testing.T, roles ...string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(cluster.Dir, "userlist.txt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		fmt.Fprintf(f, "%q \"\"\n", r)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(strings.Replace(asRole(cluster.BouncerURL, "postgres"), "/postgres?", "/pgbouncer?", 1))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol // the console speaks only that
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("PgBouncer console: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "RELOAD"); err != nil {
		t.Fatalf("PgBouncer RELOAD: %v", err)
	}
}

// asRole is the agent URL with another role.
func asRole(url, role string) string { return strings.Replace(url, "agent@", role+"@", 1) }

// TestPrivilegedRoleRefused connects as one role per privilege class, each
// created in the test cluster, directly and through PgBouncer: agent SQL,
// /v1/schema and /ready answer 503 privileged_role naming the reason and
// the fix, the log says it, and no statement of the agent's runs.
func TestPrivilegedRoleRefused(t *testing.T) {
	cases := []struct {
		name, setup, reason string
	}{
		{"superuser", "CREATE ROLE priv_super LOGIN SUPERUSER", "superuser"},
		{"bypassrls", "CREATE ROLE priv_bypassrls LOGIN BYPASSRLS", "BYPASSRLS"},
		{"replication", "CREATE ROLE priv_replication LOGIN REPLICATION", "REPLICATION"},
		{"createrole", "CREATE ROLE priv_createrole LOGIN CREATEROLE", "CREATEROLE"},
		{"rds_superuser", "CREATE ROLE rds_superuser; CREATE ROLE priv_rds LOGIN IN ROLE rds_superuser", "member of rds_superuser"},
		{"cloudsqlsuperuser", "CREATE ROLE cloudsqlsuperuser; CREATE ROLE priv_cloudsql LOGIN IN ROLE cloudsqlsuperuser", "member of cloudsqlsuperuser"},
		{"azure_pg_admin", "CREATE ROLE azure_pg_admin; CREATE ROLE priv_azure LOGIN IN ROLE azure_pg_admin", "member of azure_pg_admin"},
		{"rds_replication", "CREATE ROLE rds_replication; CREATE ROLE priv_rdsrepl LOGIN IN ROLE rds_replication", "member of rds_replication"},
		{"read_server_files", "CREATE ROLE priv_read LOGIN IN ROLE pg_read_server_files", "member of pg_read_server_files"},
		{"write_server_files", "CREATE ROLE priv_write LOGIN IN ROLE pg_write_server_files", "member of pg_write_server_files"},
		{"execute_server_program", "CREATE ROLE priv_program LOGIN IN ROLE pg_execute_server_program", "member of pg_execute_server_program"},
		{"signal_backend", "CREATE ROLE priv_signal LOGIN IN ROLE pg_signal_backend", "member of pg_signal_backend"},
		// Through a group, and NOINHERIT: SET ROLE still reaches it.
		{"indirect noinherit", "CREATE ROLE priv_group IN ROLE pg_execute_server_program; CREATE ROLE priv_indirect LOGIN NOINHERIT IN ROLE priv_group", "member of pg_execute_server_program"},
		{"granted pg_read_file", "CREATE ROLE priv_readfile LOGIN; GRANT EXECUTE ON FUNCTION pg_read_file(text) TO priv_readfile", "EXECUTE on pg_read_file"},
		{"granted lo_export", "CREATE ROLE priv_lo LOGIN; GRANT EXECUTE ON FUNCTION lo_export(oid, text) TO priv_lo", "EXECUTE on lo_export"},
		{"pg_monitor", "CREATE ROLE priv_monitor LOGIN IN ROLE pg_monitor", "EXECUTE on pg_ls_logdir"},
		{"adminpack", "CREATE EXTENSION adminpack; CREATE ROLE priv_adminpack LOGIN; GRANT EXECUTE ON FUNCTION pg_file_write(text, text, boolean) TO priv_adminpack", "EXECUTE on pg_file_write"},
	}
	ownerExec(t, "CREATE TABLE priv_probe (n int); GRANT SELECT ON priv_probe TO PUBLIC")
	t.Cleanup(func() {
		ownerExec(t, `DROP TABLE priv_probe; DROP EXTENSION IF EXISTS adminpack; DO $$ DECLARE r text; BEGIN
			FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'priv\_%' OR rolname IN ('rds_superuser', 'rds_replication', 'cloudsqlsuperuser', 'azure_pg_admin') LOOP
				EXECUTE format('DROP OWNED BY %I; DROP ROLE %I', r, r);
			END LOOP; END $$`)
	})
	t.Run("control: a plain role is served", func(t *testing.T) {
		ownerExec(t, "CREATE ROLE priv_plain LOGIN")
		bouncerAllow(t, "priv_plain")
		for _, tg := range targets() {
			h, _ := newTestHandler(t, asRole(tg.url, "priv_plain"), nil)
			if r := query(h, map[string]any{"sql": "SELECT count(*) FROM priv_probe"}); r.status != http.StatusOK {
				t.Errorf("%s: %d %s", tg.name, r.status, r.body)
			}
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ownerExec(t, c.setup)
			role := c.setup[strings.Index(c.setup, "priv_"):]
			role = role[:strings.IndexByte(role, ' ')]
			if c.name == "indirect noinherit" {
				role = "priv_indirect"
			}
			bouncerAllow(t, role)
			for _, tg := range targets() {
				h, logs := newTestHandler(t, asRole(tg.url, role), nil)
				checkRefused(t, h, c.reason)
				found := false
				for _, l := range logs.lines(t) {
					if l["msg"] == "refusing agent SQL: privileged database role" && l["role"] == role {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: no log line says the role was refused", tg.name)
				}
			}
		})
	}
}

// checkRefused sends a query, a schema request and /ready: all refused.
func checkRefused(t *testing.T, h http.Handler, reason string) {
	t.Helper()
	ownerExec(t, "TRUNCATE priv_probe")
	for i := 0; i < 2; i++ { // the verdict holds on the next request too
		r := query(h, map[string]any{"sql": "SELECT count(*) FROM priv_probe"})
		if r.status != http.StatusServiceUnavailable || r.errCode(t) != CodePrivilegedRole {
			t.Fatalf("query as a privileged role = %d %s", r.status, r.body)
		}
		msg := r.json(t)["error"].(map[string]any)["message"].(string)
		for _, want := range []string{reason, "read-only role", "ALLOW_PRIVILEGED_ROLE=true"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q does not say %q", msg, want)
			}
		}
		if r.header.Get("Retry-After") != "" {
			t.Error("Retry-After on a refusal that retrying cannot fix")
		}
	}
	if r := do(h, http.MethodGet, "/v1/schema", nil, authJSON); r.status != http.StatusServiceUnavailable || r.errCode(t) != CodePrivilegedRole {
		t.Errorf("/v1/schema = %d %s", r.status, r.body)
	}
	if r := do(h, http.MethodGet, "/ready", nil, authJSON); r.status != http.StatusServiceUnavailable || r.errCode(t) != CodePrivilegedRole ||
		!strings.Contains(string(r.body), reason) {
		t.Errorf("/ready with a key = %d %s", r.status, r.body)
	}
	// Without a key: not ready, and not why (the role and its powers).
	if r := do(h, http.MethodGet, "/ready", nil, nil); r.status != http.StatusServiceUnavailable || r.errCode(t) != CodePrivilegedRole ||
		strings.Contains(string(r.body), reason) {
		t.Errorf("/ready without a key = %d %s", r.status, r.body)
	}
}

// TestPrivilegedRoleThroughPgBouncer: the check sees the role PgBouncer
// logs in as, in transaction mode: the superuser, and the agent role once
// dblink is installed (every role may run dblink by default).
func TestPrivilegedRoleThroughPgBouncer(t *testing.T) {
	ownerExec(t, "CREATE TABLE priv_probe (n int); GRANT SELECT ON priv_probe TO PUBLIC")
	t.Cleanup(func() { ownerExec(t, "DROP TABLE priv_probe; DROP EXTENSION IF EXISTS dblink") })
	t.Run("superuser", func(t *testing.T) {
		h, _ := newTestHandler(t, asRole(cluster.BouncerURL, "postgres"), nil)
		checkRefused(t, h, "superuser")
	})
	t.Run("dblink", func(t *testing.T) {
		ownerExec(t, "CREATE EXTENSION dblink")
		for _, tg := range targets() {
			h, _ := newTestHandler(t, tg.url, nil)
			checkRefused(t, h, "EXECUTE on dblink_exec")
		}
		ownerExec(t, "DROP EXTENSION dblink")
		// Revoked, the same role is served again (by a new instance: the
		// verdict is kept for an instance's life).
		h, _ := newTestHandler(t, cluster.BouncerURL, nil)
		if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusOK {
			t.Errorf("agent after DROP EXTENSION dblink = %d %s", r.status, r.body)
		}
	})
}

// TestPrivilegedRoleOverride: ALLOW_PRIVILEGED_ROLE=true serves, and says
// so loudly; a typo in it stops the start.
func TestPrivilegedRoleOverride(t *testing.T) {
	for _, tg := range []target{{"direct", cluster.OwnerURL}, {"pgbouncer", asRole(cluster.BouncerURL, "postgres")}} {
		t.Run(tg.name, func(t *testing.T) {
			h, logs := newTestHandler(t, tg.url, map[string]string{"ALLOW_PRIVILEGED_ROLE": "true"})
			if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusOK {
				t.Fatalf("query with the override = %d %s", r.status, r.body)
			}
			loud := false
			for _, l := range logs.lines(t) {
				if l["level"] == "ERROR" && strings.HasPrefix(l["msg"].(string), "ALLOW_PRIVILEGED_ROLE=true: serving agent SQL as a privileged database role") {
					loud = true
				}
			}
			if !loud {
				t.Error("the override was not logged at ERROR")
			}
		})
	}
	h, _ := newTestHandler(t, cluster.OwnerURL, map[string]string{"ALLOW_PRIVILEGED_ROLE": "yes"})
	if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusServiceUnavailable || r.errCode(t) != CodeNotReady {
		t.Errorf("ALLOW_PRIVILEGED_ROLE=yes = %d %s", r.status, r.body)
	}
}
