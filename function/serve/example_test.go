package serve_test

import (
	"log"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
	"github.com/ai-agent-connector/ai-agent-connector/function/serve"
)

// A host that forwards plain HTTP to the function needs only this as its main
// (cmd/local and cmd/azure add their Options). Run returns after SIGINT or
// SIGTERM once in-flight requests are done.
func ExampleRun() {
	h := connector.NewHandler(connector.Options{Platform: "local", DefaultPoolSize: 4})
	if err := serve.Run("127.0.0.1:8080", h); err != nil {
		log.Fatal(err)
	}
}
