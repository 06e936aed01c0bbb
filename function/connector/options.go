package connector

import (
	"context"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Options are what a platform entrypoint decides; everything else comes from
// the environment on first use.
type Options struct {
	// Platform names the host in logs and /ready: "lambda", "azure", "gcp" or "local".
	Platform string
	// DefaultPoolSize is used when POOL_SIZE is unset. Lambda serves one
	// request per execution environment at a time, so 1 fits there;
	// concurrent hosts size to their per-instance concurrency.
	DefaultPoolSize int
	// ConfigurePool adjusts the parsed pool config before the pool is built,
	// once, on the first request that needs the database. Platform auth
	// lives here (an IAM token in BeforeConnect, a Cloud SQL connector in
	// ConnConfig.DialFunc), so no other platform links it.
	ConfigurePool func(ctx context.Context, cfg *pgxpool.Config) error
	// Logger receives one JSON line per request; nil means JSON on stderr.
	Logger *slog.Logger
	// Getenv reads configuration; nil means os.Getenv. Tests pass a map.
	Getenv func(string) string
	// CheckLoopbackHost refuses /mcp requests that reach a loopback
	// listener under a name that is not loopback (DNS rebinding). Set it
	// where the binary itself listens for a browser's machine (cmd/local).
	// Leave it off behind a platform front end that forwards over loopback
	// with the public Host (the Azure Functions host does): there it would
	// refuse every request.
	CheckLoopbackHost bool
}

func (o *Options) setDefaults() {
	if o.Platform == "" {
		o.Platform = "local"
	}
	if o.DefaultPoolSize < 1 {
		o.DefaultPoolSize = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel(os.Getenv("LOG_LEVEL"))}))
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
}

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
