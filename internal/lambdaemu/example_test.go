package lambdaemu_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
)

// The usual shape: one Emulator is one fresh execution environment; its first Invoke is the
// cold start. The Bridge in front of it makes it answer plain HTTP as a Function URL would.
func ExampleStart() {
	ctx := context.Background()
	emu, err := lambdaemu.Start(ctx, lambdaemu.Options{
		Bootstrap: "/tmp/task/bootstrap", // unpacked from the Lambda zip
		Env:       []string{"DATABASE_URL=postgres://agent@127.0.0.1/app", "API_KEYS=local-key"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer emu.Stop()
	srv := httptest.NewServer(&lambdaemu.Bridge{Invoker: emu})
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/health")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	init, _ := emu.WaitInitReport(ctx, 1)
	fmt.Println(resp.StatusCode, init > 0)
}

// echo is an Invoker standing in for a function: it answers every event with its path.
type echo struct{}

func (echo) Invoke(_ context.Context, event []byte) (lambdaemu.InvokeResult, error) {
	var ev events.LambdaFunctionURLRequest
	if err := json.Unmarshal(event, &ev); err != nil {
		return lambdaemu.InvokeResult{}, err
	}
	out, _ := json.Marshal(events.LambdaFunctionURLResponse{StatusCode: 200, Body: ev.RequestContext.HTTP.Method + " " + ev.RawPath})
	return lambdaemu.InvokeResult{Status: 200, Body: out}, nil
}

// Bridge turns each HTTP request into a Function URL event and the function's answer back
// into the HTTP response.
func ExampleBridge() {
	srv := httptest.NewServer(&lambdaemu.Bridge{Invoker: echo{}})
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/query", "application/json", strings.NewReader(`{"sql":"SELECT 1"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 POST /v1/query
}

func ExampleNewEvent() {
	r := httptest.NewRequest(http.MethodGet, "http://localhost/v1/schema?table=customers", nil)
	r.Header.Set("Authorization", "Bearer local-key")
	ev := lambdaemu.NewEvent(r, nil, time.Unix(0, 0))
	fmt.Println(ev.Version, ev.RequestContext.HTTP.Method, ev.RawPath, ev.RawQueryString, ev.Headers["authorization"])
	// Output: 2.0 GET /v1/schema table=customers Bearer local-key
}

func ExampleDecodeResponse() {
	// A buffered answer (events.LambdaFunctionURLResponse), as lambda.Start handlers return.
	r, err := lambdaemu.DecodeResponse([]byte(`{"statusCode":404,"headers":{"content-type":"application/json"},"body":"{\"error\":\"not_found\"}"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status, r.Headers["content-type"], string(r.Body), r.Stream)
	// Output: 404 application/json {"error":"not_found"} false
}

func ExampleParseInitReport() {
	d, ok := lambdaemu.ParseInitReport("INIT REPORT(durationMs: 3.781000)")
	fmt.Println(d, ok)
	// Output: 3.781ms true
}
