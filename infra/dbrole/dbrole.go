// Package dbrole writes the idempotent SQL that makes the function's database role
// read-only: it can log in, connect to its database and SELECT in the stack's
// dbSchemas, and nothing else. It is run as the database's admin (RDS master user,
// Flexible Server administrator, Cloud SQL postgres user) by scripts/dbrole, with
// psql, once after the first `pulumi up` and again whenever dbSchemas changes.
// Running it twice changes nothing.
package dbrole

import (
	"fmt"
	"strings"
)

// Spec is what the role may do.
type Spec struct {
	Database string   // database the role connects to
	Role     string   // the role the function logs in as
	Schemas  []string // schemas it may read (dbSchemas)
	// SetPassword sets the role's password from the psql variable role_password
	// (password clouds: the RDS Proxy's role secret, the Key Vault db-password), so
	// the script itself holds no secret: `psql -v role_password=...` or a
	// `\set role_password` line before it. False: the role logs in another way
	// (Cloud SQL IAM).
	SetPassword bool
	// WorkMem caps work_mem for the role's sessions ("" = the server's setting).
	WorkMem string
}

// Script returns the SQL. It fails closed: a role that is a superuser, can create
// roles or databases, replicate, bypass row security, or is a member of an admin
// role (rds_superuser, azure_pg_admin, cloudsqlsuperuser) makes the script raise
// and change nothing, because every API-key holder would hold those powers.
func Script(s Spec) (string, error) {
	if s.Database == "" || s.Role == "" || len(s.Schemas) == 0 {
		return "", fmt.Errorf("dbrole: database, role and at least one schema are required")
	}
	for _, v := range append([]string{s.Database, s.Role, s.WorkMem}, s.Schemas...) {
		if strings.Contains(v, quoteTag) {
			return "", fmt.Errorf("dbrole: a value contains %s, the script's quoting tag", quoteTag)
		}
	}
	role, db := lit(s.Role), lit(s.Database)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w(`\set ON_ERROR_STOP on`)
	w(`BEGIN;`)
	// Grants are per database: refuse to run in another one.
	w(`DO $dbrole$ BEGIN IF current_database() <> %s THEN RAISE EXCEPTION 'connected to database %%, but the stack''s database is %%: point the admin URL at it', current_database(), %s; END IF; END $dbrole$;`, db, db)
	w(`DO $dbrole$ BEGIN`)
	w(`  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN`, role)
	w(`    EXECUTE format('CREATE ROLE %%I LOGIN', %s);`, role)
	w(`  END IF;`)
	w(`END $dbrole$;`)
	w(`DO $dbrole$ DECLARE r record; BEGIN`)
	w(`  SELECT * INTO r FROM pg_roles WHERE rolname = %s;`, role)
	w(`  IF r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls THEN`)
	w(`    RAISE EXCEPTION 'role %% is privileged (superuser, createrole, createdb, replication or bypassrls): the function must not connect as it; use another database.user', r.rolname;`)
	w(`  END IF;`)
	w(`  IF EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid`)
	w(`             WHERE m.member = r.oid AND g.rolname IN ('rds_superuser', 'azure_pg_admin', 'cloudsqlsuperuser', 'pg_write_all_data', 'pg_read_all_data', 'pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files')) THEN`)
	w(`    RAISE EXCEPTION 'role %% is a member of an administrative or all-data role: the function must not connect as it', r.rolname;`)
	w(`  END IF;`)
	w(`END $dbrole$;`)
	if s.SetPassword {
		// A psql variable: psql quotes it as a literal (:'name'); not inside a DO
		// block, where psql does not interpolate.
		w(`ALTER ROLE %s WITH LOGIN PASSWORD :'role_password';`, ident(s.Role))
	} else {
		w(`DO $dbrole$ BEGIN EXECUTE format('ALTER ROLE %%I WITH LOGIN', %s); END $dbrole$;`, role)
	}
	// Even a statement that slips past the function's screening cannot write.
	w(`DO $dbrole$ BEGIN EXECUTE format('ALTER ROLE %%I SET default_transaction_read_only = on', %s); END $dbrole$;`, role)
	if s.WorkMem != "" {
		w(`DO $dbrole$ BEGIN EXECUTE format('ALTER ROLE %%I SET work_mem = %%L', %s, %s); END $dbrole$;`, role, lit(s.WorkMem))
	}
	w(`DO $dbrole$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %%I TO %%I', %s, %s); END $dbrole$;`, db, role)
	for _, sc := range s.Schemas {
		// A schema that does not exist yet is skipped with a notice: run the command
		// again after creating it.
		w(`DO $dbrole$ BEGIN`)
		w(`  IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = %s) THEN`, lit(sc))
		w(`    RAISE NOTICE 'schema %% does not exist yet: run this again after creating it', %s;`, lit(sc))
		w(`    RETURN;`)
		w(`  END IF;`)
		w(`  EXECUTE format('GRANT USAGE ON SCHEMA %%I TO %%I', %s, %s);`, lit(sc), role)
		w(`  EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %%I TO %%I', %s, %s);`, lit(sc), role)
		// Tables the admin creates later are readable too.
		w(`  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %%I GRANT SELECT ON TABLES TO %%I', %s, %s);`, lit(sc), role)
		w(`END $dbrole$;`)
	}
	w(`COMMIT;`)
	return b.String(), nil
}

// ident quotes s as a SQL identifier.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// PsqlSet is the psql meta-command that sets variable name to value (for stdin).
func PsqlSet(name, value string) string {
	return `\set ` + name + ` '` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + "'\n"
}

// quoteTag dollar-quotes the DO blocks; no value may contain it.
const quoteTag = "$dbrole$"

// lit quotes s as a SQL string literal (standard_conforming_strings is on by
// default since PostgreSQL 9.1; the script also runs no E” strings).
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
