package lambdaemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// streamPayload produces the bytes aws-lambda-go's lambdaurl hands to the runtime API (the
// RIE passes them through unchanged), using the library's own encoder.
func streamPayload(t *testing.T, r *events.LambdaFunctionURLStreamingResponse) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeResponse(t *testing.T) {
	buffered, _ := json.Marshal(events.LambdaFunctionURLResponse{StatusCode: 201, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "hi"})
	b64, _ := json.Marshal(events.LambdaFunctionURLResponse{StatusCode: 200, Body: base64.StdEncoding.EncodeToString([]byte{0, 1, 2}), IsBase64Encoded: true})
	tests := []struct {
		name    string
		payload []byte
		status  int
		body    string
		header  string // Content-Type
		cookies []string
		stream  bool
		wantErr bool
	}{
		{
			name: "stream", status: 401, body: `{"error":{"code":"unauthorized"}}`, header: "application/json", stream: true,
			cookies: []string{"a=b"},
			payload: streamPayload(t, &events.LambdaFunctionURLStreamingResponse{StatusCode: 401,
				Headers: map[string]string{"Content-Type": "application/json"}, Cookies: []string{"a=b"},
				Body: strings.NewReader(`{"error":{"code":"unauthorized"}}`)}),
		},
		{
			name: "stream default status, body with NULs", status: 200, body: "x\x00\x00y", stream: true,
			payload: streamPayload(t, &events.LambdaFunctionURLStreamingResponse{Body: strings.NewReader("x\x00\x00y")}),
		},
		{name: "stream empty body", status: 204, body: "", stream: true,
			payload: streamPayload(t, &events.LambdaFunctionURLStreamingResponse{StatusCode: 204})},
		{name: "buffered", payload: buffered, status: 201, body: "hi", header: "text/plain"},
		{name: "buffered base64", payload: b64, status: 200, body: "\x00\x01\x02"},
		{name: "bare JSON value", payload: []byte(`{"hello":"world"}`), status: 200, body: `{"hello":"world"}`, header: "application/json"},
		{name: "not JSON", payload: []byte("oops"), wantErr: true},
		{name: "trailing garbage", payload: []byte(`{"statusCode":200}xx`), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeResponse(tc.payload)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want error, got %+v", r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status || string(r.Body) != tc.body || r.Stream != tc.stream {
				t.Errorf("got status %d body %q stream %v; want %d %q %v", r.Status, r.Body, r.Stream, tc.status, tc.body, tc.stream)
			}
			if tc.header != "" && r.Headers["Content-Type"] != tc.header {
				t.Errorf("Content-Type = %q, want %q", r.Headers["Content-Type"], tc.header)
			}
			if strings.Join(r.Cookies, ";") != strings.Join(tc.cookies, ";") {
				t.Errorf("cookies = %v, want %v", r.Cookies, tc.cookies)
			}
		})
	}
}

func TestNewEvent(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "http://localhost:8080/v1/query?a=1&a=2&b=x%20y", strings.NewReader(`{"sql":"select 1"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer k")
	r.Header.Add("X-Multi", "1")
	r.Header.Add("X-Multi", "2")
	r.Header.Set("Cookie", "s=1; t=2")
	now := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	ev := NewEvent(r, []byte(`{"sql":"select 1"}`), now)
	checks := map[string][2]string{
		"version":       {ev.Version, "2.0"},
		"rawPath":       {ev.RawPath, "/v1/query"},
		"rawQuery":      {ev.RawQueryString, "a=1&a=2&b=x%20y"},
		"method":        {ev.RequestContext.HTTP.Method, "POST"},
		"authorization": {ev.Headers["authorization"], "Bearer k"},
		"multi":         {ev.Headers["x-multi"], "1,2"},
		"host":          {ev.Headers["host"], "localhost:8080"},
		"query a":       {ev.QueryStringParameters["a"], "1,2"},
		"query b":       {ev.QueryStringParameters["b"], "x y"},
		"body":          {ev.Body, `{"sql":"select 1"}`},
		"cookies":       {strings.Join(ev.Cookies, ";"), "s=1;t=2"},
		"time":          {ev.RequestContext.Time, "26/Nov/2026:06:00:00 +0000"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if _, ok := ev.Headers["cookie"]; ok {
		t.Error("cookie header must move to the cookies list")
	}
	if ev.IsBase64Encoded {
		t.Error("a JSON body must not be base64-encoded")
	}
	bin := httptest.NewRequest(http.MethodPost, "/x", nil)
	bin.Header.Set("Content-Type", "application/octet-stream")
	ev = NewEvent(bin, []byte{0xff, 0}, now)
	if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString([]byte{0xff, 0}) {
		t.Errorf("binary body: base64=%v body=%q", ev.IsBase64Encoded, ev.Body)
	}
}

type invokerFunc func(ctx context.Context, event []byte) (InvokeResult, error)

func (f invokerFunc) Invoke(ctx context.Context, event []byte) (InvokeResult, error) {
	return f(ctx, event)
}

// TestBridgeFunctionErrors covers the answers that do not come from a healthy function:
// the RIE reporting a function error, and an oversized request (the Function URL limit).
func TestBridgeFunctionErrors(t *testing.T) {
	b := &Bridge{Invoker: invokerFunc(func(context.Context, []byte) (InvokeResult, error) {
		return InvokeResult{Status: 200, Header: http.Header{"X-Amz-Function-Error": {"Unhandled"}},
			Body: []byte(`{"errorMessage":"boom","errorType":"errorString"}`)}, nil
	})}
	w := httptest.NewRecorder()
	b.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/health", nil))
	if w.Code != http.StatusBadGateway {
		t.Errorf("function error: status %d, want 502", w.Code)
	}
	w = httptest.NewRecorder()
	b.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/query", strings.NewReader(strings.Repeat("x", MaxRequestBody+1))))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", w.Code)
	}
}

func TestParseInitReport(t *testing.T) {
	tests := []struct {
		line string
		want time.Duration
		ok   bool
	}{
		{"26 Nov 2026 05:58:12,065 [INFO] (rapid) INIT REPORT(durationMs: 3.781000)", 3781 * time.Microsecond, true},
		{"INIT REPORT (durationMs: 12.5)", 12500 * time.Microsecond, true},
		{"REPORT RequestId: x\tInit Duration: 0.17 ms\tDuration: 5.30 ms", 0, false},
		{"INIT START(type: on-demand, phase: init)", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			got, ok := ParseInitReport(tc.line)
			if ok != tc.ok || got != tc.want {
				t.Errorf("%q: got %v %v, want %v %v", tc.line, got, ok, tc.want, tc.ok)
			}
		})
	}
}
