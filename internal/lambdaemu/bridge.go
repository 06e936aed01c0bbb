package lambdaemu

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Invoker sends one Lambda event and returns the RIE's answer; *Emulator is one.
type Invoker interface {
	Invoke(ctx context.Context, event []byte) (InvokeResult, error)
}

// MaxRequestBody is the Lambda synchronous invoke payload limit (6 MB) that a Function URL
// enforces on request bodies.
const MaxRequestBody = 6 << 20

// Bridge is an http.Handler that behaves like a Lambda Function URL in front of an
// Invoker: each request becomes an events.LambdaFunctionURLRequest (payload format 2.0),
// and the function's answer, buffered or in the RESPONSE_STREAM integration format, is
// written back as the HTTP response.
type Bridge struct {
	Invoker Invoker
	Logger  *slog.Logger // nil = slog.Default()
}

func (b *Bridge) logger() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}

func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeURLError(w, http.StatusRequestEntityTooLarge, "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
			return
		}
		writeURLError(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	ev := NewEvent(r, body, time.Now())
	payload, err := json.Marshal(ev)
	if err != nil {
		writeURLError(w, http.StatusInternalServerError, "encode event: "+err.Error())
		return
	}
	res, err := b.Invoker.Invoke(r.Context(), payload)
	if err != nil {
		b.logger().Error("invoke failed", "err", err)
		writeURLError(w, http.StatusBadGateway, "Internal Server Error")
		return
	}
	if res.Status != http.StatusOK || res.Header.Get("X-Amz-Function-Error") != "" {
		b.logger().Error("function error", "rie_status", res.Status, "payload", truncate(res.Body, 2048))
		writeURLError(w, http.StatusBadGateway, "Internal Server Error")
		return
	}
	resp, err := DecodeResponse(res.Body)
	if err != nil {
		b.logger().Error("undecodable function response", "err", err, "payload", truncate(res.Body, 2048))
		writeURLError(w, http.StatusBadGateway, "Internal Server Error")
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// writeURLError answers like the Function URL service itself does for its own errors.
func writeURLError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Message": msg})
}

// NewEvent builds the Function URL event (payload format 2.0) for r with body: header names
// lower-cased and repeated values comma-joined, cookies in their own list, query parameters
// decoded, binary bodies base64-encoded.
func NewEvent(r *http.Request, body []byte, now time.Time) events.LambdaFunctionURLRequest {
	headers := map[string]string{}
	for k, v := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			continue
		}
		headers[lk] = strings.Join(v, ",")
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	headers["host"] = host
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	headers["x-forwarded-for"] = sourceIP
	headers["x-forwarded-proto"] = "http"
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	var qs map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		qs = make(map[string]string, len(q))
		for k, v := range q {
			qs[k] = strings.Join(v, ",")
		}
	}
	reqID := newRequestID()
	hostname := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		hostname = h
	}
	ev := events.LambdaFunctionURLRequest{
		Version:               "2.0",
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: qs,
		RequestContext: events.LambdaFunctionURLRequestContext{
			AccountID:    "anonymous",
			RequestID:    reqID,
			APIID:        "local",
			DomainName:   host,
			DomainPrefix: strings.SplitN(hostname, ".", 2)[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type"), body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// isText follows the Function URL rule: text/*, JSON, XML, form and JavaScript bodies are
// passed as they are, anything else base64-encoded.
func isText(contentType string, body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType == ""
	}
	if strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") {
		return true
	}
	return slices.Contains([]string{"application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded"}, mt)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Response is a decoded function answer.
type Response struct {
	Status  int
	Headers map[string]string
	Cookies []string
	Body    []byte
	Stream  bool // it came in the RESPONSE_STREAM integration format
}

// streamDelimiter separates the JSON prelude from the body in the
// application/vnd.awslambda.http-integration-response format that lambdaurl writes; the
// RIE passes it through as it is (as application/octet-stream).
var streamDelimiter = make([]byte, 8)

// DecodeResponse decodes a function's invoke payload the way a Function URL does:
//   - the streaming integration format: a JSON prelude {statusCode, headers, cookies},
//     eight NUL bytes, then the raw body;
//   - a buffered events.LambdaFunctionURLResponse (statusCode present), body maybe base64;
//   - any other JSON value: 200, application/json, the payload as the body.
func DecodeResponse(payload []byte) (Response, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	var first json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return Response{}, fmt.Errorf("function response is not JSON: %w", err)
	}
	rest := payload[dec.InputOffset():]
	if bytes.HasPrefix(rest, streamDelimiter) {
		var prelude struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Cookies    []string          `json:"cookies"`
		}
		if err := json.Unmarshal(first, &prelude); err != nil {
			return Response{}, fmt.Errorf("streaming response prelude: %w", err)
		}
		if prelude.StatusCode == 0 {
			prelude.StatusCode = http.StatusOK
		}
		return Response{Status: prelude.StatusCode, Headers: prelude.Headers, Cookies: prelude.Cookies,
			Body: rest[len(streamDelimiter):], Stream: true}, nil
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return Response{}, fmt.Errorf("function response has %d bytes after its JSON value and no stream delimiter", len(rest))
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(first, &probe) == nil {
		if _, ok := probe["statusCode"]; ok {
			var r events.LambdaFunctionURLResponse
			if err := json.Unmarshal(first, &r); err != nil {
				return Response{}, fmt.Errorf("buffered response: %w", err)
			}
			body := []byte(r.Body)
			if r.IsBase64Encoded {
				b, err := base64.StdEncoding.DecodeString(r.Body)
				if err != nil {
					return Response{}, fmt.Errorf("buffered response body: %w", err)
				}
				body = b
			}
			return Response{Status: r.StatusCode, Headers: r.Headers, Cookies: r.Cookies, Body: body}, nil
		}
	}
	return Response{Status: http.StatusOK, Headers: map[string]string{"Content-Type": "application/json"}, Body: []byte(first)}, nil
}
