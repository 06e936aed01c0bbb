package connector

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgxpool"
)

// app is everything built on first use: configuration, key digests and the
// pool. It is immutable once published.
type app struct {
	cfg     Config
	keys    [][sha256.Size]byte
	pool    *pgxpool.Pool
	schemas schemaCache
	priv    *privilegeGate
	slots   *keySlots
}

// Connection tuning. Idle connections are closed before the shortest idle
// cut-off in front of the database (AWS NAT gateways drop idle flows at
// 350 s; RDS Proxy and PgBouncer allow longer), so the pool never hands out
// a connection a middlebox has silently dropped.
const (
	maxConnIdleTime = 4 * time.Minute
	maxConnLifetime = 30 * time.Minute
	connectTimeout  = 5 * time.Second
)

func buildApp(ctx context.Context, opts *Options) (*app, error) {
	cfg, err := LoadConfig(opts.Getenv, opts.DefaultPoolSize)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	pcfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		// pgx's message may echo the URL, password included: keep it out.
		return nil, fmt.Errorf("parse DATABASE_URL: invalid connection string")
	}
	if cfg.DatabasePassword != "" {
		pcfg.ConnConfig.Password = cfg.DatabasePassword
	}
	pcfg.MaxConns = cfg.PoolSize
	pcfg.MinConns = 0
	pcfg.MaxConnIdleTime = maxConnIdleTime
	pcfg.MaxConnLifetime = maxConnLifetime
	pcfg.MaxConnLifetimeJitter = maxConnLifetime / 10
	// No ping before use: it costs a round trip per sparse request and waits
	// on the same dead socket it is meant to detect. The query path checks
	// liveness inside its own round trip instead (see stalePooledConn), and
	// needs to know how long the connection sat idle, which only this hook
	// is told.
	pcfg.ShouldPing = func(ctx context.Context, p pgxpool.ShouldPingParams) bool {
		if idle, ok := ctx.Value(idleKey{}).(*time.Duration); ok {
			*idle = p.IdleDuration
		}
		return false
	}
	// Backstop for paths that let the pool destroy a broken connection
	// (/ready's ping, /v1/schema): pgx waits up to 15 s for a dead socket's
	// drain before it frees the slot; closing the socket ends the drain.
	pcfg.BeforeClose = func(c *pgx.Conn) {
		if c.IsClosed() {
			_ = c.PgConn().Conn().Close()
		}
	}
	if pcfg.ConnConfig.ConnectTimeout == 0 || pcfg.ConnConfig.ConnectTimeout > connectTimeout {
		pcfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	// Keepalives and TCP_USER_TIMEOUT on every socket (see dial.go); a
	// platform dialer set in ConfigurePool below replaces this one.
	pcfg.ConnConfig.DialFunc = newDialer(pcfg.ConnConfig.ConnectTimeout).DialContext
	// No named prepared statements and no statement cache: safe behind
	// transaction-mode poolers. Exec mode sends Parse, Bind, Describe and
	// Execute of the unnamed statement in one round trip; params go as text
	// (strings untyped), so the server casts them to whatever "$1" meets, and
	// the extended protocol still refuses several statements in one.
	pcfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	pcfg.ConnConfig.StatementCacheCapacity = 0
	pcfg.ConnConfig.DescriptionCacheCapacity = 0
	if pcfg.ConnConfig.RuntimeParams["application_name"] == "" {
		pcfg.ConnConfig.RuntimeParams["application_name"] = "ai-agent-connector"
	}
	// pgx reads each row message whole before the encoder sees it, so
	// without a bound one huge value (PostgreSQL allows 1 GB) would be held
	// in memory whatever the byte cap. A message over twice the byte cap
	// cannot fit in an answer anyway: past it pgx drops the connection and
	// the query reports its result as truncated.
	maxMessage := 2*cfg.MaxResultBytes + 64<<10
	pcfg.ConnConfig.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
		f := pgproto3.NewFrontend(r, w)
		f.SetMaxBodyLen(maxMessage)
		return f
	}
	if opts.ConfigurePool != nil {
		if err := opts.ConfigurePool(ctx, pcfg); err != nil {
			return nil, fmt.Errorf("configure pool for %s: %w", opts.Platform, err)
		}
	}
	// Chained after the platform's hook: the role is checked on a
	// connection that is fully set up, before the pool hands it out.
	priv := &privilegeGate{allow: cfg.AllowPrivilegedRole, log: opts.Logger}
	if cfg.AllowPrivilegedRole {
		opts.Logger.Warn("ALLOW_PRIVILEGED_ROLE=true: a privileged database role will be accepted")
	}
	platformHook := pcfg.AfterConnect
	pcfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if platformHook != nil {
			if err := platformHook(ctx, c); err != nil {
				return err
			}
		}
		return priv.afterConnect(ctx, c)
	}
	// NewWithConfig does not connect: the first query opens the first
	// connection, so building the app costs no round trip.
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	a := &app{cfg: cfg, pool: pool, schemas: newSchemaCache(), priv: priv, slots: newKeySlots(len(cfg.APIKeys), cfg.MaxConcurrentPerKey)}
	for _, k := range cfg.APIKeys {
		a.keys = append(a.keys, sha256.Sum256([]byte(k)))
	}
	return a, nil
}

// lazyApp builds the app once, on first use. Concurrent first callers wait
// for the one build; a failed build is not kept, so the next call retries.
type lazyApp struct {
	mu    sync.Mutex
	cur   atomic.Pointer[app]
	build func(context.Context) (*app, error)
}

// get returns the app and, when this call built it, how long that took.
func (l *lazyApp) get(ctx context.Context) (*app, time.Duration, error) {
	if a := l.cur.Load(); a != nil {
		return a, 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.cur.Load(); a != nil {
		return a, 0, nil
	}
	start := time.Now()
	a, err := l.build(ctx)
	if err != nil {
		return nil, 0, err
	}
	l.cur.Store(a)
	return a, time.Since(start), nil
}

// close releases the pool, if one was built.
func (l *lazyApp) close() {
	if a := l.cur.Swap(nil); a != nil {
		a.pool.Close()
	}
}
