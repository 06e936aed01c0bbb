// Command azure is the Azure Functions custom handler (linux/amd64). The Functions host
// starts it, forwards each HTTP request unchanged (host.json enableForwardingHttpRequest,
// written by infra/build) to FUNCTIONS_CUSTOMHANDLER_PORT, and relays the response.
// The database password, if any, arrives as DATABASE_PASSWORD, an app setting that the
// platform resolves from a Key Vault reference.
package main

import (
	"log/slog"
	"os"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
	"github.com/ai-agent-connector/ai-agent-connector/function/serve"
)

func main() {
	port := os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if port == "" {
		slog.Error("FUNCTIONS_CUSTOMHANDLER_PORT is not set: the Azure Functions host sets it when it starts the custom handler")
		os.Exit(2)
	}
	h := connector.NewHandler(connector.Options{
		Platform: "azure",
		// One instance serves concurrent requests; size the pool to that concurrency.
		DefaultPoolSize: 4,
	})
	// All interfaces: the Functions host forwards to this port from outside the process.
	if err := serve.Run(":"+port, h); err != nil {
		slog.Error("azure", "err", err)
		os.Exit(1)
	}
}
