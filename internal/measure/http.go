package measure

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"time"
)

// HTTPTiming splits one request the way `curl -w` does. Each phase is its own duration
// (not cumulative); a phase that did not happen (no DNS for an IP, no TLS for http) is 0.
type HTTPTiming struct {
	Path      string  `json:"path"`
	Status    int     `json:"status"`
	DNSMs     float64 `json:"dns_ms"`
	ConnectMs float64 `json:"connect_ms"`
	TLSMs     float64 `json:"tls_ms"`
	ServerMs  float64 `json:"server_ms"` // request written -> first response byte: the function's time plus one network round trip
	FirstByte float64 `json:"first_byte_ms"`
	TotalMs   float64 `json:"total_ms"`
}

// TimeRequest sends req on a new connection (keep-alives off, as each curl run does) and
// times its phases with net/http/httptrace.
func TimeRequest(ctx context.Context, tr *http.Transport, req *http.Request) (HTTPTiming, error) {
	var dnsStart, dnsDone, connStart, connDone, tlsStart, tlsDone, wrote, firstByte time.Time
	trace := &httptrace.ClientTrace{
		DNSStart:             func(httptrace.DNSStartInfo) { dnsStart = time.Now() },
		DNSDone:              func(httptrace.DNSDoneInfo) { dnsDone = time.Now() },
		ConnectStart:         func(string, string) { connStart = time.Now() },
		ConnectDone:          func(string, string, error) { connDone = time.Now() },
		TLSHandshakeStart:    func() { tlsStart = time.Now() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { tlsDone = time.Now() },
		WroteRequest:         func(httptrace.WroteRequestInfo) { wrote = time.Now() },
		GotFirstResponseByte: func() { firstByte = time.Now() },
	}
	start := time.Now()
	resp, err := tr.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	if err != nil {
		return HTTPTiming{}, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	end := time.Now()
	if err != nil {
		return HTTPTiming{}, fmt.Errorf("%s %s: read body: %w", req.Method, req.URL.Redacted(), err)
	}
	span := func(a, b time.Time) float64 {
		if a.IsZero() || b.IsZero() {
			return 0
		}
		return round2(Ms(b.Sub(a)))
	}
	return HTTPTiming{Path: req.URL.Path, Status: resp.StatusCode,
		DNSMs: span(dnsStart, dnsDone), ConnectMs: span(connStart, connDone), TLSMs: span(tlsStart, tlsDone),
		ServerMs: span(wrote, firstByte), FirstByte: span(start, firstByte), TotalMs: span(start, end)}, nil
}

// HTTPSamples are the raw timings of one HTTP run.
type HTTPSamples struct {
	First       HTTPTiming   `json:"first"`
	FirstQuery  *HTTPTiming  `json:"first_query,omitempty"`
	Warm        []HTTPTiming `json:"warm"`
	PooledQuery []HTTPTiming `json:"pooled_query"`
}

// MeasureHTTP times GET /health and POST /v1/query on baseURL: the first request of the run,
// the first query, then o.Warm more of each. Only the first request can be cold, and only if
// the platform had no warm instance: plain HTTP cannot force one (see ColdNote).
func MeasureHTTP(ctx context.Context, baseURL string, o RunOptions, p *Progress) (HTTPSamples, error) {
	o = o.withDefaults()
	var s HTTPSamples
	base := strings.TrimRight(baseURL, "/")
	newReq := func(method, path, body, key string) (*http.Request, error) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("request %s: %w", base+path, err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		req.Header.Set("User-Agent", "ai-agent-connector-coldstart")
		return req, nil
	}
	// A new transport per request: every sample pays DNS, connect and TLS, like curl.
	one := func(method, path, body, key string) (HTTPTiming, error) {
		req, err := newReq(method, path, body, key)
		if err != nil {
			return HTTPTiming{}, err
		}
		tr := &http.Transport{DisableKeepAlives: true, Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		t, err := TimeRequest(ctx, tr, req)
		if err != nil {
			return t, err
		}
		if t.Status >= 300 {
			return t, fmt.Errorf("%s %s: status %d%s", method, path, t.Status, statusHint(t.Status))
		}
		return t, nil
	}
	p.Step("first request to %s", base)
	first, err := one("GET", "/health", "", "")
	if err != nil {
		return s, err
	}
	s.First = first
	if o.APIKey != "" {
		q, err := one("POST", "/v1/query", o.queryBody(), o.APIKey)
		if err != nil {
			return s, err
		}
		s.FirstQuery = &q
	}
	for i := range o.Warm {
		p.Step("warm %d/%d", i+1, o.Warm)
		t, err := one("GET", "/health", "", "")
		if err != nil {
			return s, err
		}
		s.Warm = append(s.Warm, t)
		if o.APIKey != "" {
			q, err := one("POST", "/v1/query", o.queryBody(), o.APIKey)
			if err != nil {
				return s, err
			}
			s.PooledQuery = append(s.PooledQuery, q)
		}
	}
	return s, nil
}

// ColdNote says how (and whether) a cold instance can be had on cloud.
func ColdNote(cloud string) string {
	switch cloud {
	case "gcp":
		return "GCP: a cold instance cannot be forced over HTTP. The first request is cold only if no instance was up: with warmInstances 0, wait until the service scaled to zero (about 15 minutes idle), or deploy a new revision first (gcloud run services update SERVICE --region REGION --update-env-vars COLDSTART_NONCE=$(date +%s)). With min instances set, requests stay warm by design."
	case "aws":
		return "AWS over HTTP: cold starts are forced only through the Lambda API; give --outputs (with functionName) and AWS credentials to measure them"
	case "azure":
		return "Azure: a cold instance cannot be forced over HTTP. Restart the app first (az functionapp restart -g GROUP -n APP); on Flex Consumption with warmInstances 0 an idle app also scales to zero. Always-ready / pre-warmed / Always-On instances keep requests warm by design."
	}
	return "the first request is cold only if the platform had no warm instance"
}

// HTTPResult turns samples into figures. The first request is checked against the cold
// target (it is at most a cold start); warm requests against the warm target.
func HTTPResult(stack, cloud, url string, s HTTPSamples, o RunOptions) *Result {
	o = o.withDefaults()
	r := &Result{Stack: stack, Cloud: cloud, Endpoint: url, When: time.Now().UTC(), Cold: 1, Warm: len(s.Warm),
		Samples: map[string]any{"http": s}}
	f := s.First
	r.add("first_total_ms", "first request: total", "ms", []float64{f.TotalMs}, o.Targets.ColdMs)
	r.add("first_dns_ms", "first request: DNS", "ms", []float64{f.DNSMs}, 0)
	r.add("first_connect_ms", "first request: connect", "ms", []float64{f.ConnectMs}, 0)
	r.add("first_tls_ms", "first request: TLS", "ms", []float64{f.TLSMs}, 0)
	r.add("first_server_ms", "first request: server (to first byte)", "ms", []float64{f.ServerMs}, 0)
	if s.FirstQuery != nil {
		r.add("first_query_ms", "first query: server", "ms", []float64{s.FirstQuery.ServerMs}, 0)
	}
	tot := func(t HTTPTiming) float64 { return t.TotalMs }
	srv := func(t HTTPTiming) float64 { return t.ServerMs }
	col := func(ts []HTTPTiming, f func(HTTPTiming) float64) []float64 {
		out := make([]float64, 0, len(ts))
		for _, t := range ts {
			out = append(out, f(t))
		}
		return out
	}
	r.add("warm_total_ms", "warm request: total, new connection", "ms", col(s.Warm, tot), 0)
	r.add("warm_ms", "warm request: server", "ms", col(s.Warm, srv), o.Targets.WarmMs)
	r.add("pooled_query_ms", "pooled query: server", "ms", col(s.PooledQuery, srv), o.Targets.PooledMs)
	r.Notes = append(r.Notes, ColdNote(cloud),
		"\"server\" = request written to first response byte: the function's time plus one network round trip")
	if o.APIKey == "" {
		r.Notes = append(r.Notes, "no API key given (--api-key or CONNECTOR_API_KEY): query figures skipped")
	}
	return r
}
