// Command dbrole is the one-shot provisioner Lambda of a stack that creates its RDS
// database: `pulumi up` invokes it (aws.lambda.Invocation, infra/aws/provisioner.go)
// after the database and secrets exist and before the function is published, and it
// makes database.user the read-only role of function/dbrole, connected directly to
// the instance as the master user. Its input carries the master and role secrets'
// values (resolved by the Pulumi program, secret in state); it has no environment
// and reads nothing else. It is idempotent: every change of role, schemas or
// settings invokes it again.
//
// Run with -psql it prints the same SQL as a psql script for the Spec JSON on stdin:
// the root module's scripts/dbrole uses that for the clouds without a provisioner.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ai-agent-connector/ai-agent-connector/function/dbrole"
)

// Event is the invocation input.
type Event struct {
	Host      string `json:"host"` // the RDS instance's address (not the proxy: it knows only database.user)
	Port      int    `json:"port"`
	AdminUser string `json:"adminUser"`
	// AdminSecret and RoleSecret are the SecretString values of the RDS-managed master
	// secret and of database.user's secret: JSON objects with username and password.
	AdminSecret string `json:"adminSecret"`
	RoleSecret  string `json:"roleSecret"`
	dbrole.Spec
}

// Result is the invocation's output (stored in Pulumi state: no secrets).
type Result struct {
	Role    string   `json:"role"`
	Schemas []string `json:"schemas"`
	Notices []string `json:"notices,omitempty"`
}

type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func main() {
	psql := flag.Bool("psql", false, "print the role SQL as a psql script for the dbrole.Spec JSON on stdin, and exit")
	flag.Parse()
	if *psql {
		if err := printPsql(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	p := provisioner{}
	lambda.Start(p.handle)
}

func printPsql(in io.Reader, out io.Writer) error {
	var s dbrole.Spec
	if err := json.NewDecoder(in).Decode(&s); err != nil {
		return fmt.Errorf("dbrole -psql: read the spec JSON on stdin: %w", err)
	}
	sql, err := dbrole.PsqlScript(s)
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, sql)
	return err
}

type provisioner struct {
	// configure adjusts the connection before it is made (tests: no TLS on loopback).
	configure func(*pgx.ConnConfig)
}

func (p provisioner) handle(ctx context.Context, ev Event) (Result, error) {
	admin, err := parseCredentials("adminSecret", ev.AdminSecret)
	if err != nil {
		return Result{}, err
	}
	if ev.AdminUser != "" && admin.Username != ev.AdminUser {
		return Result{}, fmt.Errorf("dbrole: adminSecret is for user %q, not the master user %q", admin.Username, ev.AdminUser)
	}
	role, err := parseCredentials("roleSecret", ev.RoleSecret)
	if err != nil {
		return Result{}, err
	}
	if role.Username != ev.Role {
		// The proxy logs in with this secret: a password set on another role would
		// leave the function unable to connect.
		return Result{}, fmt.Errorf("dbrole: roleSecret is for user %q, not the role %q", role.Username, ev.Role)
	}
	if ev.Host == "" || ev.Port <= 0 {
		return Result{}, errors.New("dbrole: host and port of the database are required")
	}
	spec := ev.Spec
	spec.SetPassword = true
	stmts, err := dbrole.Statements(spec)
	if err != nil {
		return Result{}, err
	}

	u := url.URL{
		Scheme: "postgres", User: url.UserPassword(admin.Username, admin.Password),
		Host: net.JoinHostPort(ev.Host, strconv.Itoa(ev.Port)), Path: "/" + spec.Database,
		// TLS without CA verification: the RDS CA bundle is not in the provided.al2023
		// trust store and not embedded here; the path is inside the VPC, limited by
		// security groups, and the master user authenticates with SCRAM, which does
		// not reveal the password to a peer.
		RawQuery: "sslmode=require&connect_timeout=15&application_name=aac-dbrole",
	}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return Result{}, fmt.Errorf("dbrole: connection config: %w", err)
	}
	var res Result
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { res.Notices = append(res.Notices, n.Message) }
	if p.configure != nil {
		p.configure(cfg)
	}
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return Result{}, fmt.Errorf("dbrole: connect to %s as %s: %w", u.Host, admin.Username, err)
	}
	defer conn.Close(context.Background())
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// A bind parameter: the password is never statement text.
		if _, err := tx.Exec(ctx, "SELECT set_config($1, $2, true)", dbrole.PasswordSetting, role.Password); err != nil {
			return fmt.Errorf("set the role's password setting: %w", err)
		}
		for i, st := range stmts {
			if _, err := tx.Exec(ctx, st); err != nil {
				return fmt.Errorf("statement %d: %w", i+1, err)
			}
		}
		return nil
	}); err != nil {
		return Result{}, fmt.Errorf("dbrole: role %s unchanged: %w", spec.Role, err)
	}
	res.Role, res.Schemas = spec.Role, spec.Schemas
	return res, nil
}

func parseCredentials(field, s string) (credentials, error) {
	var c credentials
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.Username == "" || c.Password == "" {
		// Never echo the value: it is a secret.
		return credentials{}, fmt.Errorf("dbrole: %s is not a secret value of the form {\"username\": ..., \"password\": ...}", field)
	}
	return c, nil
}
