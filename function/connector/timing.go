package connector

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"
)

// timings are one request's figures, reported in Server-Timing and the log.
type timings struct {
	init, acquire, query time.Duration
	rows                 int
	truncated            bool
	retried              bool // the query moved to a fresh connection
	errCode              string
}

type timingsKey struct{}

func timingsFrom(ctx context.Context) *timings {
	if t, ok := ctx.Value(timingsKey{}).(*timings); ok {
		return t
	}
	return &timings{}
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// recorder captures the status and sets Server-Timing just before the
// header is written, when every figure of the request is known.
type recorder struct {
	http.ResponseWriter
	t      *timings
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status != 0 {
		return
	}
	r.status = code
	r.Header().Set("Server-Timing", fmt.Sprintf("init;dur=%.2f, db-acquire;dur=%.2f, db-query;dur=%.2f",
		ms(r.t.init), ms(r.t.acquire), ms(r.t.query)))
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}
