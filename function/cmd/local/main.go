// Command local serves the connector as plain HTTP on $PORT (default 8080),
// on loopback unless HOST says otherwise: the entrypoint for running the
// function on a laptop or any container host.
package main

import (
	"log/slog"
	"net"
	"os"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
	"github.com/ai-agent-connector/ai-agent-connector/function/serve"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	host := os.Getenv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	// A laptop's browser can reach loopback: refuse DNS-rebound names on /mcp.
	h := connector.NewHandler(connector.Options{Platform: "local", DefaultPoolSize: 4, CheckLoopbackHost: true})
	if err := serve.Run(net.JoinHostPort(host, port), h); err != nil {
		slog.Error("local", "err", err)
		os.Exit(1)
	}
}
