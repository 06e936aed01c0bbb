// Package function is the Cloud Functions gen2 (Go runtime) entry: the platform builds
// this module root package from the uploaded source and serves the HTTP function
// registered here as "Connector" through functions-framework-go. cmd/lambda and cmd/azure
// never import it, so they do not link functions-framework, cloudevents or cloudsqlconn.
//
// With CLOUDSQL_INSTANCE=project:region:instance the pool dials through the Cloud SQL Go
// connector (TLS and IAM database authentication handled by the connector; DATABASE_URL then
// names only user and dbname, with sslmode=disable because the connector encrypts).
// CLOUDSQL_IP_TYPE picks public (default), private or psc.
package function

import (
	"context"
	"fmt"
	"net"
	"os"

	"cloud.google.com/go/cloudsqlconn"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
)

// EntryPoint is the function name registered with functions-framework-go.
const EntryPoint = "Connector"

// Handler is the registered handler; NewHandler does no I/O, so building it at init is free.
var Handler = connector.NewHandler(connector.Options{
	Platform: "gcp",
	// Instances serve concurrent requests (concurrency > 1 when CPU >= 1).
	DefaultPoolSize: 4,
	ConfigurePool:   configureCloudSQL(os.Getenv),
})

func init() {
	// Registration is the framework's contract and costs a map insert; no dialer, pool or
	// secret is created here.
	functions.HTTP(EntryPoint, Handler.ServeHTTP)
}

// configureCloudSQL creates the Cloud SQL dialer lazily, when the pool is first built:
// the dialer fetches certificates and metadata, which must not happen at init. Lazy refresh
// fits serverless, where CPU is throttled between requests and a background refresh
// goroutine would starve.
func configureCloudSQL(getenv func(string) string) func(context.Context, *pgxpool.Config) error {
	return func(ctx context.Context, cfg *pgxpool.Config) error {
		inst := getenv("CLOUDSQL_INSTANCE")
		if inst == "" {
			return nil // plain DATABASE_URL (e.g. local runs of this package)
		}
		var ipOpt cloudsqlconn.DialOption
		switch v := getenv("CLOUDSQL_IP_TYPE"); v {
		case "", "public":
			ipOpt = cloudsqlconn.WithPublicIP()
		case "private":
			ipOpt = cloudsqlconn.WithPrivateIP()
		case "psc":
			ipOpt = cloudsqlconn.WithPSC()
		default:
			return fmt.Errorf("CLOUDSQL_IP_TYPE=%q: allowed values are public, private, psc", v)
		}
		d, err := cloudsqlconn.NewDialer(ctx,
			cloudsqlconn.WithLazyRefresh(),
			cloudsqlconn.WithIAMAuthN(),
			cloudsqlconn.WithDefaultDialOptions(ipOpt),
			// Built-in metrics would create a Cloud Monitoring gRPC client on the cold
			// path and export in the background (throttled CPU between requests), and
			// need roles/monitoring.metricWriter: off, for cold start and least privilege.
			cloudsqlconn.WithBuiltInMetrics(false),
		)
		if err != nil {
			return fmt.Errorf("cloud sql connector for %s: %w", inst, err)
		}
		cfg.ConnConfig.DialFunc = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.Dial(ctx, inst)
		}
		return nil
	}
}
