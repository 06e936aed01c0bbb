// Package dbrole writes, once for every caller, the idempotent SQL that makes the
// function's database role read-only: it can log in, connect to its database and
// SELECT in the stack's dbSchemas, and nothing else. Two runners execute it as the
// database's admin: cmd/dbrole (the AWS provisioner Lambda, through pgx, invoked at
// `pulumi up`) and the root module's scripts/dbrole (psql, for the clouds where no
// provider can run SQL at deploy), which gets the psql form from `go run ./cmd/dbrole
// -psql`, so the root module needs no dependency on this one. Running it twice
// changes nothing. Standard library only: it is linked into the provisioner.
package dbrole

import (
	"fmt"
	"strings"
)

// Spec is what the role may do.
type Spec struct {
	Database string   `json:"database"` // database the role connects to
	Role     string   `json:"role"`     // the role the function logs in as
	Schemas  []string `json:"schemas"`  // schemas it may read (dbSchemas)
	// SetPassword sets the role's password from the transaction-local setting
	// PasswordSetting, which the runner sets first (pgx: set_config with a bind
	// parameter; psql: from the variable role_password), so no statement text holds
	// the password (log_statement = ddl logs ALTER ROLE text). False: the role logs
	// in another way (Cloud SQL IAM).
	SetPassword bool `json:"setPassword"`
	// WorkMem caps work_mem for the role's sessions ("" = the server's setting).
	WorkMem string `json:"workMem"`
}

// PasswordSetting is the custom setting that carries the role's password inside the
// transaction (SET LOCAL / set_config(..., true): gone at COMMIT or ROLLBACK).
const PasswordSetting = "aac.role_password"

// Statements returns the SQL, one statement per element, to run in ONE transaction
// after the runner has set PasswordSetting (when SetPassword). It fails closed: a
// role that is a superuser, can create roles or databases, replicate, bypass row
// security, or is a member of an admin or all-data role (rds_superuser,
// azure_pg_admin, cloudsqlsuperuser, pg_read_all_data...) makes it raise, and the
// transaction changes nothing, because every API-key holder would hold those powers.
func Statements(s Spec) ([]string, error) {
	if s.Database == "" || s.Role == "" || len(s.Schemas) == 0 {
		return nil, fmt.Errorf("dbrole: database, role and at least one schema are required")
	}
	for _, v := range append([]string{s.Database, s.Role, s.WorkMem}, s.Schemas...) {
		if strings.Contains(v, quoteTag) {
			return nil, fmt.Errorf("dbrole: a value contains %s, the script's quoting tag", quoteTag)
		}
	}
	role, db := lit(s.Role), lit(s.Database)
	var out []string
	w := func(lines ...string) { out = append(out, strings.Join(lines, "\n")) }
	f := fmt.Sprintf
	// Grants are per database: refuse to run in another one.
	w(f(`DO $dbrole$ BEGIN IF current_database() <> %s THEN RAISE EXCEPTION 'connected to database %%, but the stack''s database is %%: point the admin URL at it', current_database(), %s; END IF; END $dbrole$`, db, db))
	w(`DO $dbrole$ BEGIN`,
		f(`  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN`, role),
		f(`    EXECUTE format('CREATE ROLE %%I LOGIN', %s);`, role),
		`  END IF;`,
		`END $dbrole$`)
	w(`DO $dbrole$ DECLARE r record; BEGIN`,
		f(`  SELECT * INTO r FROM pg_roles WHERE rolname = %s;`, role),
		`  IF r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls THEN`,
		`    RAISE EXCEPTION 'role % is privileged (superuser, createrole, createdb, replication or bypassrls): the function must not connect as it; use another database.user', r.rolname;`,
		`  END IF;`,
		`  IF EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid`,
		`             WHERE m.member = r.oid AND g.rolname IN ('rds_superuser', 'azure_pg_admin', 'cloudsqlsuperuser', 'pg_write_all_data', 'pg_read_all_data', 'pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files')) THEN`,
		`    RAISE EXCEPTION 'role % is a member of an administrative or all-data role: the function must not connect as it', r.rolname;`,
		`  END IF;`,
		`END $dbrole$`)
	if s.SetPassword {
		// Inside a DO block the password is a value, never statement text; an empty
		// setting is refused (it would leave a role nobody can log in as, silently).
		w(`DO $dbrole$ DECLARE pw text := current_setting('`+PasswordSetting+`', true); BEGIN`,
			`  IF coalesce(pw, '') = '' THEN RAISE EXCEPTION 'the role''s password is empty'; END IF;`,
			f(`  EXECUTE format('ALTER ROLE %%I WITH LOGIN PASSWORD %%L', %s, pw);`, role),
			`END $dbrole$`)
	} else {
		w(f(`DO $dbrole$ BEGIN EXECUTE format('ALTER ROLE %%I WITH LOGIN', %s); END $dbrole$`, role))
	}
	// Even a statement that slips past the function's screening cannot write.
	w(f(`DO $dbrole$ BEGIN EXECUTE format('ALTER ROLE %%I SET default_transaction_read_only = on', %s); END $dbrole$`, role))
	if s.WorkMem != "" {
		w(f(`DO $dbrole$ BEGIN EXECUTE format('ALTER ROLE %%I SET work_mem = %%L', %s, %s); END $dbrole$`, role, lit(s.WorkMem)))
	}
	w(f(`DO $dbrole$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %%I TO %%I', %s, %s); END $dbrole$`, db, role))
	for _, sc := range s.Schemas {
		// A schema that does not exist yet is skipped with a notice: run again after
		// creating it (on AWS: any change of dbSchemas re-runs the provisioner).
		w(`DO $dbrole$ BEGIN`,
			f(`  IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = %s) THEN`, lit(sc)),
			f(`    RAISE NOTICE 'schema %% does not exist yet: run this again after creating it', %s;`, lit(sc)),
			`    RETURN;`,
			`  END IF;`,
			f(`  EXECUTE format('GRANT USAGE ON SCHEMA %%I TO %%I', %s, %s);`, lit(sc), role),
			f(`  EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %%I TO %%I', %s, %s);`, lit(sc), role),
			// Tables the admin creates later are readable too.
			f(`  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %%I GRANT SELECT ON TABLES TO %%I', %s, %s);`, lit(sc), role),
			`END $dbrole$`)
	}
	return out, nil
}

// PsqlScript is Statements as one psql script in one transaction; the password (when
// SetPassword) comes from the psql variable role_password (`psql -v role_password=...`
// or a PsqlSet line before it), which psql quotes as a literal in SET LOCAL.
func PsqlScript(s Spec) (string, error) {
	stmts, err := Statements(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("\\set ON_ERROR_STOP on\nBEGIN;\n")
	if s.SetPassword {
		b.WriteString("SET LOCAL " + PasswordSetting + " = :'role_password';\n")
	}
	for _, st := range stmts {
		b.WriteString(st + ";\n")
	}
	b.WriteString("COMMIT;\n")
	return b.String(), nil
}

// PsqlSet is the psql meta-command that sets variable name to value (for stdin).
func PsqlSet(name, value string) string {
	return `\set ` + name + ` '` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + "'\n"
}

// quoteTag dollar-quotes the DO blocks; no value may contain it.
const quoteTag = "$dbrole$"

// lit quotes s as a SQL string literal (standard_conforming_strings is on by
// default since PostgreSQL 9.1; no E” strings are used).
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
