// Package localrun stands up what the local commands (scripts/local, load, coldstart,
// fakelambda) each need before they measure or serve anything: the repo root, a temp work
// dir, the Lambda artifact built as deployed and unpacked, and a database: DATABASE_URL
// when set, else a throwaway PostgreSQL with the demo data (internal/localpg). One Close
// undoes it all. The emulator is started from it (Local.Emulator), once or per cold start.
package localrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localpg"
)

// Options for Start.
type Options struct {
	Name       string                           // names the temp dir: aac-NAME-*
	Arch       string                           // the Lambda artifact's arch; "" = the host's
	NoArtifact bool                             // build no Lambda artifact (Bootstrap stays "")
	PgBouncer  bool                             // the throwaway PostgreSQL behind PgBouncer (transaction mode)
	Step       func(format string, args ...any) // progress lines; nil = none
}

// Local is the prepared environment.
type Local struct {
	Root      string         // repository root
	Work      string         // temp dir, removed by Close
	Arch      string         // the artifact's arch
	Artifact  build.Artifact // the Lambda zip, in Work
	Bootstrap string         // its unpacked bootstrap, in Work/task (/var/task on Lambda)

	DatabaseURL string           // what the function connects to, as the read-only role
	Database    string           // where DatabaseURL points, for people
	DB          *localpg.Cluster // the throwaway cluster; nil with DATABASE_URL

	closers []func()
}

// Start prepares the environment; on error it undoes what it did.
func Start(ctx context.Context, o Options) (l *Local, err error) {
	step := o.Step
	if step == nil {
		step = func(string, ...any) {}
	}
	l = &Local{Arch: o.Arch}
	if l.Arch == "" {
		l.Arch = build.HostArch()
	}
	defer func() {
		if err != nil {
			l.Close()
			l = nil
		}
	}()
	if l.Root, err = build.FindRepoRoot("."); err != nil {
		return l, err
	}
	if l.Work, err = os.MkdirTemp("", "aac-"+o.Name+"-*"); err != nil {
		return l, fmt.Errorf("temp dir: %w", err)
	}
	work := l.Work
	l.closers = append(l.closers, func() { os.RemoveAll(work) })

	if !o.NoArtifact {
		step("building the Lambda artifact (linux/%s)", l.Arch)
		if l.Artifact, err = build.Build(ctx, build.Target{Platform: build.Lambda, Arch: l.Arch}, build.Options{RepoRoot: l.Root, OutDir: l.Work}); err != nil {
			return l, err
		}
		task := filepath.Join(l.Work, "task")
		if _, err = build.Extract(l.Artifact.Path, task); err != nil {
			return l, err
		}
		l.Bootstrap = filepath.Join(task, build.LambdaHandler)
	}

	if l.DatabaseURL = os.Getenv("DATABASE_URL"); l.DatabaseURL != "" {
		l.Database = "DATABASE_URL from your environment"
		return l, nil
	}
	step("starting a throwaway PostgreSQL with demo data")
	pg, err := localpg.Start(ctx, l.Root, localpg.Options{PgBouncer: o.PgBouncer})
	if errors.Is(err, localpg.ErrNoPostgres) {
		return l, fmt.Errorf("%w\nthen run this again", err)
	}
	if err != nil {
		return l, err
	}
	l.closers = append(l.closers, pg.Stop)
	l.DB, l.DatabaseURL, l.Database = pg, pg.AgentURL, "throwaway PostgreSQL, read-only role \"agent\""
	if o.PgBouncer {
		l.DatabaseURL, l.Database = pg.BouncerURL, "throwaway PostgreSQL behind PgBouncer (transaction mode), role \"agent\""
	}
	return l, nil
}

// Emulator starts the artifact's bootstrap under the Lambda Runtime Interface Emulator: a
// fresh execution environment. Fields of o left empty take the Local's bootstrap, arch and
// root; the caller stops it.
func (l *Local) Emulator(ctx context.Context, o lambdaemu.Options) (*lambdaemu.Emulator, error) {
	if o.Bootstrap == "" {
		o.Bootstrap = l.Bootstrap
	}
	if o.Arch == "" {
		o.Arch = l.Arch
	}
	if o.RepoRoot == "" {
		o.RepoRoot = l.Root
	}
	return lambdaemu.Start(ctx, o)
}

// Close stops the database and removes the work dir, last started first.
func (l *Local) Close() {
	for i := len(l.closers) - 1; i >= 0; i-- {
		l.closers[i]()
	}
	l.closers = nil
}
