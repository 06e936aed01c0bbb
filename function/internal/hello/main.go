// Command hello is the aws-lambda-go hello world that the connector's Lambda artifact is
// measured against: the size budget in infra/build and the cold-start ratio in
// scripts/coldstart build it with exactly the same flags as cmd/lambda. It answers a
// Function URL event with a fixed body and imports nothing else.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, _ events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	return events.LambdaFunctionURLResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"status":"healthy"}`,
	}, nil
}

func main() { lambda.Start(handle) }
