package pgtest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

// A test package starts one cluster in TestMain and points its code at
// AgentURL (read-only role) or BouncerURL (the same role through PgBouncer in
// transaction mode). Stop removes the cluster's directory.
func ExampleStart() {
	c, err := pgtest.Start(context.Background(), pgtest.Options{PgBouncer: true})
	if err != nil {
		log.Fatal(err) // pgtest.ErrNoPostgres names the package to install
	}
	defer c.Stop()
	fmt.Println(c.AgentURL != "", c.BouncerURL != "")
}
