package connector

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// privilegeSQL lists why the connected role is more than a reader: anything
// that lets SQL reach the host (files, programs), other sessions (signals),
// rows hidden by row-level security, replication, other roles' powers, or
// another database (dblink). Any reason at all means agent SQL is refused:
// the screener and the READ ONLY transaction are then the only walls, and
// a single bypass of the screener would give the host away.
//
//   - superuser, BYPASSRLS, REPLICATION; CREATEROLE, which up to PostgreSQL
//     15 can grant itself pg_execute_server_program and the like;
//   - membership (direct or not, inherited or not: SET ROLE reaches it) in
//     the cloud admin roles (and RDS's replication role) or the
//     server-access predefined roles (pg_create_subscription, PostgreSQL
//     16, connects out);
//   - EXECUTE on dblink's connecting functions or on adminpack's, where
//     those extensions are installed (found by name, in any schema);
//   - EXECUTE on any pg_catalog function PUBLIC may not run (pg_read_file,
//     lo_export, pg_ls_dir, pg_reload_conf, ...): someone granted it, or a
//     predefined role such as pg_monitor brought it.
//
// It runs once per instance, on the first connection; the warm path never
// sees it. On a fresh backend it costs a few milliseconds, mostly the
// server loading its catalog caches (measured in the package notes).
const privilegeSQL = `SELECT r.rolname,
  array_remove(ARRAY[
    CASE WHEN r.rolsuper THEN 'superuser' END,
    CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END,
    CASE WHEN r.rolreplication THEN 'REPLICATION' END,
    CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END], NULL)
  || ARRAY(SELECT 'member of ' || g.rolname FROM pg_roles g
       WHERE g.rolname IN ('rds_superuser', 'rds_replication', 'cloudsqlsuperuser', 'azure_pg_admin', 'azuresu',
                           'pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program', 'pg_signal_backend',
                           'pg_create_subscription')
         AND NOT r.rolsuper AND pg_has_role(r.oid, g.oid, 'MEMBER') ORDER BY 1)
  || ARRAY(SELECT DISTINCT 'EXECUTE on ' || p.proname FROM pg_proc p
       WHERE NOT r.rolsuper AND p.proname IN ('dblink', 'dblink_exec', 'dblink_connect', 'dblink_connect_u',
                            'pg_file_write', 'pg_file_rename', 'pg_file_unlink', 'pg_file_sync', 'pg_logdir_ls')
         AND has_function_privilege(r.oid, p.oid, 'EXECUTE') ORDER BY 1)
  || ARRAY(SELECT DISTINCT 'EXECUTE on ' || p.proname FROM pg_proc p
       WHERE NOT r.rolsuper AND p.pronamespace = 'pg_catalog'::regnamespace AND p.proacl IS NOT NULL
         AND NOT has_function_privilege('public', p.oid, 'EXECUTE') AND has_function_privilege(r.oid, p.oid, 'EXECUTE')
       ORDER BY 1 LIMIT 8)
FROM pg_roles r WHERE r.rolname = current_user`

// privilegeGate checks the role once, on the first connection the pool
// opens, and then remembers the verdict.
type privilegeGate struct {
	allow   bool // ALLOW_PRIVILEGED_ROLE
	log     *slog.Logger
	checked atomic.Bool
	refused atomic.Pointer[Error]
}

// errPrivileged fails a new connection on a privileged role, so the pool
// never hands it out.
type errPrivileged struct{ e *Error }

func (p errPrivileged) Error() string { return p.e.Message }

// afterConnect is the pool's AfterConnect hook.
func (g *privilegeGate) afterConnect(ctx context.Context, conn *pgx.Conn) error {
	if e := g.refused.Load(); e != nil {
		return errPrivileged{e}
	}
	if g.checked.Load() {
		return nil
	}
	var role string
	var reasons []string
	if err := conn.QueryRow(ctx, privilegeSQL).Scan(&role, &reasons); err != nil {
		// Fail closed: a role whose privileges cannot be read is not used.
		return fmt.Errorf("check the database role's privileges: %w", err)
	}
	// adminpack installs into pg_catalog: one function can be in two lists.
	slices.Sort(reasons)
	reasons = slices.Compact(reasons)
	if len(reasons) > 0 && !g.allow {
		e := newError(CodePrivilegedRole, fmt.Sprintf(
			"the function's database role %q can do more than read (%s), so agent SQL is refused: connect as a read-only role "+
				"with SELECT on the agent's tables only (scripts/dbrole makes one; docs/deploy.md has the SQL per cloud, "+
				"and the stack setting is database.user), or set ALLOW_PRIVILEGED_ROLE=true to accept the risk",
			role, strings.Join(reasons, ", ")))
		g.log.Error("refusing agent SQL: privileged database role", "role", role, "reasons", reasons,
			"fix", "connect as a read-only role (scripts/dbrole, docs/deploy.md), or set ALLOW_PRIVILEGED_ROLE=true")
		g.refused.Store(e)
		return errPrivileged{e}
	}
	if len(reasons) > 0 {
		g.log.Error("ALLOW_PRIVILEGED_ROLE=true: serving agent SQL as a privileged database role; "+
			"one screener bypass gives an agent what this role can do", "role", role, "reasons", reasons)
	} else if g.allow {
		g.log.Warn("ALLOW_PRIVILEGED_ROLE=true is set but the role is not privileged: remove the setting", "role", role)
	}
	g.checked.Store(true)
	return nil
}

// refusal is the verdict once the role was found privileged, before any
// connection is taken.
func (g *privilegeGate) refusal() *Error { return g.refused.Load() }
