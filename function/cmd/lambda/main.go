// Command lambda is the AWS Lambda entrypoint (provided.al2023, built as `bootstrap`).
//
// It serves the connector through aws-lambda-go's lambdaurl, behind a Lambda Function URL
// in RESPONSE_STREAM invoke mode, rather than through an API Gateway v2 adapter:
//   - the Function URL is part of Lambda: no API Gateway stage, no extra hop or bill, and no
//     29 s integration timeout;
//   - lambdaurl adapts Function URL events to a plain http.Handler inside aws-lambda-go,
//     which the runtime loop needs anyway, so it adds no module and little size;
//   - responses stream: a large result is written as it is encoded instead of being
//     buffered and base64-wrapped into one JSON payload (and the 6 MB buffered limit does
//     not apply).
//
// The one constraint is that the Function URL must use InvokeMode RESPONSE_STREAM
// (infra/aws sets it). With DB_IAM_AUTH=true each new database connection gets a fresh
// RDS IAM token (package rdsiam).
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
	"github.com/ai-agent-connector/ai-agent-connector/function/rdsiam"
)

func main() {
	h := connector.NewHandler(connector.Options{
		Platform: "lambda",
		// One request per execution environment at a time: one connection serves it.
		DefaultPoolSize: 1,
		ConfigurePool:   rdsiam.ConfigurePool(os.Getenv),
	})
	lambdaurl.Start(h)
}
