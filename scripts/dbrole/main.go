// Command dbrole makes a stack's database role read-only: LOGIN, CONNECT on
// database.name, SELECT on the stack's dbSchemas, default_transaction_read_only on,
// and nothing else (no superuser or admin-role membership: it refuses such a role).
// It runs the SQL of function/dbrole (the one the AWS provisioner runs at deploy;
// infra/dbrole fetches its psql form) through psql as the database admin, in one
// transaction, and is idempotent: run it after the first `pulumi up` and whenever
// dbSchemas changes.
//
//	DBROLE_ADMIN_URL='postgres://aacadmin@HOST:5432/connector?sslmode=verify-full' \
//	DBROLE_PASSWORD="$(...the role's secret...)" \
//	go run ./scripts/dbrole --stack azure-dev --password-env DBROLE_PASSWORD
//
// The admin URL (with its password) and the role's password come from environment
// variables, never from argv, so they do not show in process listings. Per-cloud
// sources of both are in docs/deploy.md.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/dbrole"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dbrole", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "dbrole makes the stack's database role read-only (SELECT on dbSchemas only), idempotently, through psql.")
		fmt.Fprintln(stderr, "Usage: DBROLE_ADMIN_URL=postgres://ADMIN:PW@HOST/DB go run ./scripts/dbrole --stack NAME [flags]")
		fs.PrintDefaults()
	}
	stack := fs.String("stack", "", "stack name (stacks/Pulumi.NAME.yaml)")
	file := fs.String("file", "", "stack file to use instead of stacks/Pulumi.NAME.yaml")
	role := fs.String("role", "", "role to make read-only (default database.user; on GCP the function's IAM user, the serviceAccountEmail output without .gserviceaccount.com)")
	adminEnv := fs.String("admin-url-env", "DBROLE_ADMIN_URL", "environment variable holding the admin connection URL")
	passwordEnv := fs.String("password-env", "", "environment variable holding the role's password (AWS: the RDS Proxy's role secret; Azure: the Key Vault db-password); empty: no password is set")
	workMem := fs.String("work-mem", "32MB", "work_mem ceiling for the role's sessions (\"\" = the server's)")
	printOnly := fs.Bool("print", false, "print the SQL (password redacted) instead of running it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *stack == "" {
		fmt.Fprintln(stderr, "dbrole: --stack NAME is required")
		return 2
	}
	root, err := config.FindRoot(".")
	if err != nil {
		fmt.Fprintln(stderr, "dbrole:", err)
		return 2
	}
	cfg, err := config.FromStackFile(root, *stack, *file)
	if err != nil {
		fmt.Fprintln(stderr, "dbrole:", err)
		return 2
	}
	spec := dbrole.Spec{Database: cfg.Database.Name, Role: cfg.Database.User, Schemas: cfg.DBSchemas, WorkMem: *workMem}
	if *role != "" {
		spec.Role = *role
	}
	if cfg.Cloud == config.CloudGCP && *role == "" {
		fmt.Fprintln(stderr, "dbrole: on gcp the function logs in as its IAM user: pass --role with the serviceAccountEmail output minus .gserviceaccount.com")
		return 2
	}
	password := ""
	if *passwordEnv != "" {
		spec.SetPassword = true
		password = os.Getenv(*passwordEnv)
		if password == "" && !*printOnly {
			fmt.Fprintf(stderr, "dbrole: %s is empty\n", *passwordEnv)
			return 2
		}
	}
	if *printOnly {
		// For a shell inside the database's network without Go: pipe it to
		// psql -v ON_ERROR_STOP=1 -v role_password="$PASSWORD" -f -
		sql, err := dbrole.Script(ctx, root, spec)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		fmt.Fprint(stdout, sql)
		return 0
	}
	adminURL := os.Getenv(*adminEnv)
	if adminURL == "" {
		fmt.Fprintf(stderr, "dbrole: set %s to the admin connection URL of database %s (docs/deploy.md, \"Database role\")\n", *adminEnv, cfg.Database.Name)
		return 2
	}
	if err := Apply(ctx, root, adminURL, spec, password, stdout); err != nil {
		fmt.Fprintln(stderr, "dbrole:", err)
		return 1
	}
	fmt.Fprintf(stdout, "role %s: read-only, SELECT on %s in database %s\n", spec.Role, strings.Join(spec.Schemas, ", "), spec.Database)
	return 0
}

// Apply runs the script through psql as the admin: the URL without its password in
// argv, the password in PGPASSWORD, the SQL on stdin.
func Apply(ctx context.Context, root, adminURL string, spec dbrole.Spec, password string, out io.Writer) error {
	sql, err := dbrole.Script(ctx, root, spec)
	if err != nil {
		return err
	}
	if spec.SetPassword {
		sql = dbrole.PsqlSet("role_password", password) + sql
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		return fmt.Errorf("psql not found (apt-get install postgresql-client, brew install libpq): %w", err)
	}
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("the admin URL is not a postgres:// URL")
	}
	env := os.Environ()
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	cmd := exec.CommandContext(ctx, psql, "-X", "-q", "-d", u.String(), "-f", "-")
	cmd.Env = env
	cmd.Stdin = strings.NewReader(sql)
	var stderr bytes.Buffer
	cmd.Stdout = out
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("psql: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
