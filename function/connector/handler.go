package connector

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// processStart is read at package init: the closest the process can get to
// its own start without a syscall, and it costs nothing.
var processStart = time.Now()

// Handler serves the API. Create it with NewHandler.
type Handler struct {
	opts     Options
	log      *slog.Logger
	app      lazyApp
	requests atomic.Int64
	initNS   atomic.Int64 // how long the app build took, once built
	mcp      mcpEndpoint  // built on the first /mcp request
}

// NewHandler returns the API handler. It does no I/O: configuration, secrets
// and the pool are built by the first request that needs them.
func NewHandler(opts Options) *Handler {
	opts.setDefaults()
	h := &Handler{opts: opts, log: opts.Logger}
	h.app.build = func(ctx context.Context) (*app, error) { return buildApp(ctx, &h.opts) }
	return h
}

// Close releases the pool. Entrypoints call it on shutdown.
func (h *Handler) Close() { h.app.close() }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	n := h.requests.Add(1)
	t := &timings{}
	rec := &recorder{ResponseWriter: w, t: t}
	r = r.WithContext(context.WithValue(r.Context(), timingsKey{}, t))
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("panic", "path", r.URL.Path, "panic", p)
			if rec.status == 0 {
				writeError(rec, r, newError(CodeInternal, "internal error"))
			}
		}
		h.logRequest(r, rec, start, n == 1)
	}()
	h.route(rec, r)
}

func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/health":
		if !allow(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		// Touches nothing: no config, no secrets, no pool.
		writeRaw(w, http.StatusOK, []byte(`{"status":"healthy"}`))
	case "/ready":
		if allow(w, r, http.MethodGet, http.MethodHead) {
			h.ready(w, r)
		}
	case "/v1/schema":
		if allow(w, r, http.MethodGet) {
			if a, release := h.authorized(w, r); a != nil {
				defer release()
				h.serveSchema(w, r, a)
			}
		}
	case "/mcp":
		h.serveMCP(w, r)
	case "/v1/query":
		if allow(w, r, http.MethodPost) {
			if a, release := h.authorized(w, r); a != nil {
				defer release()
				h.serveQuery(w, r, a)
			}
		}
	default:
		writeError(w, r, newError(CodeNotFound, "no such endpoint: "+r.URL.Path+" (try GET /health, GET /ready, GET /v1/schema, POST /v1/query, POST /mcp)"))
	}
}

func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	allowed := methods[0]
	for _, m := range methods[1:] {
		allowed += ", " + m
	}
	w.Header().Set("Allow", allowed)
	writeError(w, r, newError(CodeMethodNotAllowed, r.Method+" is not allowed here; use "+allowed))
	return false
}

// getApp returns the app, building it on first use and recording the build
// time as this request's init time.
func (h *Handler) getApp(w http.ResponseWriter, r *http.Request) *app {
	a, built, err := h.app.get(r.Context())
	if err != nil {
		// The detail may name configuration; it goes to the log, not the caller.
		h.log.Error("app init failed", "platform", h.opts.Platform, "err", err.Error())
		writeError(w, r, unavailable(CodeNotReady, "the function could not start; its log has the reason"))
		return nil
	}
	h.recordInit(r.Context(), a, built)
	return a
}

// recordInit records the app build, when this request did it, as the
// request's init time.
func (h *Handler) recordInit(ctx context.Context, a *app, built time.Duration) {
	if built > 0 {
		timingsFrom(ctx).init = built
		h.initNS.Store(int64(built))
		if built > a.cfg.ColdStartWarn {
			h.log.Warn("slow cold start", "init_ms", ms(built), "threshold_ms", ms(a.cfg.ColdStartWarn))
		}
	}
}

func (h *Handler) logRequest(r *http.Request, rec *recorder, start time.Time, first bool) {
	t := rec.t
	attrs := []slog.Attr{
		slog.String("platform", h.opts.Platform),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", rec.status),
		slog.Float64("duration_ms", ms(time.Since(start))),
		slog.Bool("cold_start", first),
		slog.Float64("init_ms", ms(t.init)),
		slog.Float64("acquire_ms", ms(t.acquire)),
		slog.Float64("query_ms", ms(t.query)),
	}
	if first {
		attrs = append(attrs, slog.Float64("process_age_ms", ms(start.Sub(processStart))))
	}
	if t.rows > 0 || t.truncated {
		attrs = append(attrs, slog.Int("rows", t.rows), slog.Bool("truncated", t.truncated))
	}
	if t.retried {
		attrs = append(attrs, slog.Bool("retried", true))
	}
	if t.errCode != "" {
		attrs = append(attrs, slog.String("error", t.errCode))
	}
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelWarn
	}
	h.log.LogAttrs(r.Context(), level, "request", attrs...)
}
