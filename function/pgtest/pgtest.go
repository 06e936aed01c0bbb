// Package pgtest starts a throwaway PostgreSQL cluster, and optionally a
// PgBouncer in transaction mode in front of it, on loopback, for tests and
// for local runs. Nothing here is linked into a deployed function.
//
// Run as root, the servers run as the "postgres" user, because PostgreSQL
// refuses to run as root (and PgBouncer should not).
package pgtest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

//go:embed seed.sql
var seedSQL string

// Options tune the cluster.
type Options struct {
	// PgBouncer starts a PgBouncer in transaction mode in front of the server.
	PgBouncer bool
	// MaxConnections is PostgreSQL's max_connections (default 100).
	MaxConnections int
	// BouncerPoolSize is PgBouncer's default_pool_size (default 10).
	BouncerPoolSize int
	// Log receives the servers' output (default: a log file in the cluster dir).
	Log io.Writer
}

// Cluster is a running throwaway cluster.
type Cluster struct {
	Dir         string
	Port        int
	BouncerPort int
	// OwnerURL connects as the superuser that owns the demo data.
	OwnerURL string
	// AgentURL connects as the read-only "agent" role.
	AgentURL string
	// BouncerURL connects as "agent" through PgBouncer (empty without it).
	BouncerURL string

	opts     Options
	bin      string
	cred     *syscall.Credential
	log      io.Writer
	logFile  *os.File
	postgres *exec.Cmd
	bouncer  *exec.Cmd
	// bouncerBin is the PgBouncer binary, kept for restarts.
	bouncerBin string
}

// ErrNoPostgres says the PostgreSQL server binaries are missing.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, postgres) not found: install them with `apt-get install postgresql` (Debian/Ubuntu) or `brew install postgresql` (macOS), or set DATABASE_URL to a server you have")

// Start creates, starts and seeds a cluster. Stop it with Stop.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.MaxConnections == 0 {
		opts.MaxConnections = 100
	}
	if opts.BouncerPoolSize == 0 {
		opts.BouncerPoolSize = 10
	}
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("create cluster dir: %w", err)
	}
	c := &Cluster{Dir: dir, opts: opts, bin: bin}
	ok := false
	defer func() {
		if !ok {
			c.Stop()
		}
	}()
	if err := c.setUser(); err != nil {
		return nil, err
	}
	if opts.Log != nil {
		c.log = opts.Log
	} else {
		if c.logFile, err = os.Create(filepath.Join(dir, "server.log")); err != nil {
			return nil, fmt.Errorf("create server log: %w", err)
		}
		c.log = c.logFile
	}
	if c.Port, err = freePort(); err != nil {
		return nil, err
	}
	if out, err := c.command(filepath.Join(bin, "initdb"), "-D", c.dataDir(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	c.OwnerURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port)
	c.AgentURL = fmt.Sprintf("postgres://agent@127.0.0.1:%d/postgres?sslmode=disable", c.Port)
	if err := c.StartPostgres(ctx); err != nil {
		return nil, err
	}
	if err := c.seed(ctx); err != nil {
		return nil, err
	}
	if opts.PgBouncer {
		if err := c.startBouncer(ctx); err != nil {
			return nil, err
		}
	}
	ok = true
	return c, nil
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }

// setUser picks who runs the servers: the current user, or "postgres" when
// running as root, with the cluster dir handed to that user.
func (c *Cluster) setUser() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root, PostgreSQL must run as another user, and no 'postgres' user exists (apt-get install postgresql creates it): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if err := os.Chown(c.Dir, uid, gid); err != nil {
		return fmt.Errorf("hand the cluster dir to postgres: %w", err)
	}
	return nil
}

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = c.Dir
	// Own process group, and killed if this process dies first, so an
	// interrupted test leaves no server behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: c.cred}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd
}

// StartPostgres starts the server (again, after StopPostgres) on the same
// port and data, and waits until it accepts connections.
func (c *Cluster) StartPostgres(ctx context.Context) error {
	cmd := c.command(filepath.Join(c.bin, "postgres"), "-D", c.dataDir(), "-p", strconv.Itoa(c.Port),
		"-k", c.Dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections="+strconv.Itoa(c.opts.MaxConnections),
		"-c", "shared_buffers=32MB", "-c", "log_min_messages=warning", "-c", "log_min_error_statement=panic")
	cmd.Stdout, cmd.Stderr = c.log, c.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.postgres = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, c.OwnerURL)
		if err == nil {
			conn.Close(ctx)
			// Keep reaping the process without blocking on it.
			go func() { <-exited }()
			return nil
		}
		select {
		case werr := <-exited:
			c.postgres = nil
			return fmt.Errorf("postgres exited during start (%v); see %s", werr, filepath.Join(c.Dir, "server.log"))
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 30s: %w", err)
		}
	}
}

// StopPostgres stops the server with a fast shutdown (SIGINT), as an
// operator or a failover would, aborting open transactions.
func (c *Cluster) StopPostgres() {
	stop(c.postgres, syscall.SIGINT, c.Dir, "postmaster.pid")
	c.postgres = nil
}

func (c *Cluster) seed(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.OwnerURL)
	if err != nil {
		return fmt.Errorf("connect to seed: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, seedSQL); err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	return nil
}

func (c *Cluster) startBouncer(ctx context.Context) error {
	path, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/pgbouncer"); serr != nil {
			return errors.New("pgbouncer not found: install it with `apt-get install pgbouncer`")
		}
		path = "/usr/sbin/pgbouncer"
	}
	if c.BouncerPort, err = freePort(); err != nil {
		return err
	}
	// server_login_retry: after one failed server login PgBouncer refuses
	// clients for this long (default 15 s), so a database restart would cost
	// 15 s of errors after the database is back. 1 s is what a self-managed
	// PgBouncer in front of a serverless function should use too.
	ini := fmt.Sprintf(`[databases]
* = host=127.0.0.1 port=%d

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 5000
default_pool_size = %d
server_reset_query =
server_login_retry = 1
ignore_startup_parameters = extra_float_digits
admin_users = postgres
logfile = %s
`, c.Port, c.BouncerPort, filepath.Join(c.Dir, "userlist.txt"), c.opts.BouncerPoolSize, filepath.Join(c.Dir, "pgbouncer.log"))
	files := map[string]string{"pgbouncer.ini": ini, "userlist.txt": "\"postgres\" \"\"\n\"agent\" \"\"\n"}
	for name, body := range files {
		p := filepath.Join(c.Dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if c.cred != nil {
			_ = os.Chown(p, int(c.cred.Uid), int(c.cred.Gid))
		}
	}
	c.BouncerURL = fmt.Sprintf("postgres://agent@127.0.0.1:%d/postgres?sslmode=disable", c.BouncerPort)
	c.bouncerBin = path
	return c.StartBouncer(ctx)
}

// StartBouncer (re)starts PgBouncer and waits until it serves queries.
func (c *Cluster) StartBouncer(ctx context.Context) error {
	cmd := c.command(c.bouncerBin, filepath.Join(c.Dir, "pgbouncer.ini"))
	cmd.Stdout, cmd.Stderr = c.log, c.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start pgbouncer: %w", err)
	}
	c.bouncer = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, c.BouncerURL)
		if err == nil {
			_, err = conn.Exec(ctx, "SELECT 1")
			conn.Close(ctx)
			if err == nil {
				go func() { <-exited }()
				return nil
			}
		}
		select {
		case werr := <-exited:
			return fmt.Errorf("pgbouncer exited during start (%v); see %s", werr, filepath.Join(c.Dir, "pgbouncer.log"))
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgbouncer did not serve within 15s: %w", err)
		}
	}
}

// StopBouncer stops PgBouncer at once (SIGINT), dropping its connections.
func (c *Cluster) StopBouncer() {
	if c.bouncer != nil {
		stop(c.bouncer, syscall.SIGINT, "", "")
		c.bouncer = nil
	}
}

// Stop stops the servers and removes the cluster dir.
func (c *Cluster) Stop() {
	c.StopBouncer()
	c.bouncer = nil
	c.StopPostgres()
	if c.logFile != nil {
		c.logFile.Close()
	}
	os.RemoveAll(c.Dir)
}

// stop signals the process group and waits for the process to be gone.
func stop(cmd *exec.Cmd, sig syscall.Signal, dir, pidFile string) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(cmd.Process.Pid, 0) != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if pidFile != "" {
		// The next start must not find a stale pid file.
		for time.Now().Before(deadline) {
			if _, err := os.Stat(filepath.Join(dir, "data", pidFile)); errors.Is(err, os.ErrNotExist) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// findBin finds the directory with initdb and postgres: PATH first (where
// initdb is a symlink, its target's dir), then Debian's versioned dirs.
func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(binDir)), ".")[0])
	return v
}

// checksumSQL fingerprints everything an agent could change: the rows, the
// catalog's relations, roles and functions, and the sequence.
const checksumSQL = `SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
	SELECT 'c:' || c::text AS x FROM customers c
	UNION ALL SELECT 'o:' || o::text FROM orders o
	UNION ALL SELECT 'a:' || a::text FROM audit_log a
	UNION ALL SELECT 's:' || s::text FROM private.api_secrets s
	UNION ALL SELECT 'seq:' || last_value::text || is_called::text FROM audit_log_id_seq
	UNION ALL SELECT 'rel:' || n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || coalesce(c.relacl::text, '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
	UNION ALL SELECT 'role:' || rolname || rolsuper::text || coalesce(rolconfig::text, '') FROM pg_roles
	UNION ALL SELECT 'fn:' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
) t`

// Checksum fingerprints the demo data and the catalog as the owner sees
// them, so a test can prove that bad input changed nothing.
func (c *Cluster) Checksum(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, c.OwnerURL)
	if err != nil {
		return "", fmt.Errorf("checksum: connect: %w", err)
	}
	defer conn.Close(ctx)
	var sum string
	if err := conn.QueryRow(ctx, checksumSQL).Scan(&sum); err != nil {
		return "", fmt.Errorf("checksum: %w", err)
	}
	return sum, nil
}
