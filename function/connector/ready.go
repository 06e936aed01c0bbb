package connector

import (
	"context"
	"net/http"
	"time"
)

type poolStats struct {
	Max          int32 `json:"max"`
	Total        int32 `json:"total"`
	Idle         int32 `json:"idle"`
	Acquired     int32 `json:"acquired"`
	NewConns     int64 `json:"new_conns"`
	AcquireCount int64 `json:"acquire_count"`
}

type instanceStats struct {
	Platform     string    `json:"platform"`
	ProcessStart time.Time `json:"process_start"`
	UptimeMS     float64   `json:"uptime_ms"`
	InitMS       float64   `json:"init_ms"`
	Requests     int64     `json:"requests"`
	ColdStart    bool      `json:"cold_start"`
}

// ready initializes the app if needed and pings the database through the
// pool: 200 when it answers (with pool and instance figures for a caller
// with a valid key), 503 when the database is down.
func (h *Handler) ready(w http.ResponseWriter, r *http.Request) {
	a := h.getApp(w, r)
	if a == nil {
		return
	}
	// Without a key, only whether the instance is ready: its figures
	// (requests served, pool use) tell an outsider about the traffic, and
	// the reasons it is not (the role, the server's messages) about the
	// deployment. A wrong key is a 401, so an operator sees the mistake.
	header := r.Header.Get("Authorization")
	authed := header != ""
	if authed {
		if _, e := a.authenticate(header); e != nil {
			writeError(w, r, e)
			return
		}
	}
	fail := func(e *Error) {
		if !authed {
			e = &Error{Code: e.Code, RetryAfter: e.RetryAfter, Message: "not ready; the function's log has the reason (send an API key to see it here)"}
		}
		writeError(w, r, e)
	}
	if e := a.priv.refusal(); e != nil {
		fail(e)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.AcquireTimeout)
	defer cancel()
	start := time.Now()
	err := a.pool.Ping(ctx)
	timingsFrom(r.Context()).acquire = time.Since(start)
	if err != nil {
		h.log.Warn("ready: ping failed", "err", err.Error())
		// Say why when the server said why: a database at its connection
		// limit (a scale-out storm) is busy, not unreachable. Anything
		// else, even a refused login, is this instance's fault: 503.
		e := acquireError(err)
		if statusOf(e.Code) != http.StatusServiceUnavailable {
			e = unavailable(CodeDatabaseUnavailable, "the database is unreachable")
		}
		fail(e)
		return
	}
	if !authed {
		writeRaw(w, http.StatusOK, []byte(`{"status":"ready"}`))
		return
	}
	s := a.pool.Stat()
	n := h.requests.Load()
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "ready",
		"pool": poolStats{
			Max: s.MaxConns(), Total: s.TotalConns(), Idle: s.IdleConns(), Acquired: s.AcquiredConns(),
			NewConns: s.NewConnsCount(), AcquireCount: s.AcquireCount(),
		},
		"instance": instanceStats{
			Platform: h.opts.Platform, ProcessStart: processStart.UTC(),
			UptimeMS: ms(time.Since(processStart)), InitMS: ms(time.Duration(h.initNS.Load())),
			Requests: n, ColdStart: n == 1,
		},
	})
}
