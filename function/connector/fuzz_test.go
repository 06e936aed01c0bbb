package connector

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeQuery feeds arbitrary bodies and content types to the request
// decoder and the core's checks that need no database. Properties: it never
// panics; a refusal is a 4xx with a code and a readable message; an
// accepted request is one valid, NUL-free SQL string with at most maxParams
// params of the kinds pgx is given.
func FuzzDecodeQuery(f *testing.F) {
	for _, s := range []string{
		`{"sql":"SELECT 1"}`,
		`{"sql":"SELECT $1, $2","params":[1,"a",null,true,[1,"b",null]],"max_rows":5}`,
		`{"sql":"SELECT 1","params":[[[1]]]}`,
		`{"sql":"SELECT 1","params":[{"a":1}]}`,
		`{"sql":"SELECT 1"} {"sql":"SELECT 2"}`,
		`{"sql":"SELECT 1","sql":"DELETE FROM t"}`,
		`{"sql":"\u0000"}`,
		"{\"sql\":\"SELECT '\xff'\"}",
		`{"sql":"SELECT 1","params":[1e400, -0, 12345678901234567890]}`,
		`[` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `]`,
		``, `null`, `{}`,
	} {
		f.Add("application/json", []byte(s))
	}
	f.Add("application/json; charset=utf-8", []byte(`{"sql":"SELECT 1"}`))
	f.Add("text/plain", []byte(`{"sql":"SELECT 1"}`))
	f.Add("application/json; charset", []byte(`{"sql":"SELECT 1"}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/v1/query", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		req, aerr := decodeQuery(w, r)
		if aerr == nil {
			_, _, aerr = prepareQuery(req, 1000)
		}
		if aerr != nil {
			if status := statusOf(aerr.Code); status < 400 || status > 499 || aerr.Code == "" || aerr.Message == "" {
				t.Fatalf("refusal %d %q %q is not a 4xx with a code and message", status, aerr.Code, aerr.Message)
			}
			if !utf8.ValidString(aerr.Message) {
				t.Fatalf("refusal message is not valid UTF-8: %q", aerr.Message)
			}
			return
		}
		if len(body) > maxBodyBytes {
			t.Fatalf("accepted a %d-byte body", len(body))
		}
		if req.SQL == "" || !utf8.ValidString(req.SQL) || strings.IndexByte(req.SQL, 0) >= 0 {
			t.Fatalf("accepted sql %q", req.SQL)
		}
		args := req.Params
		if len(args) > maxParams {
			t.Fatalf("%d args", len(args))
		}
		for i, a := range args {
			switch v := a.(type) {
			case nil, bool, string:
			case []*string:
				if len(v) > maxArrayLen {
					t.Fatalf("param %d: array of %d", i, len(v))
				}
			default:
				t.Fatalf("param %d: unexpected %T", i, a)
			}
		}
	})
}

// TestDecodeQueryMemoryBounded sends a body far over the limit: the decoder
// reads no more than the limit, so memory stays bounded whatever is sent.
func TestDecodeQueryMemoryBounded(t *testing.T) {
	body := bytes.Repeat([]byte("a"), 32<<20)
	r := httptest.NewRequest(http.MethodPost, "/v1/query", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, aerr := decodeQuery(httptest.NewRecorder(), r)
	runtime.ReadMemStats(&after)
	if aerr == nil || statusOf(aerr.Code) != http.StatusRequestEntityTooLarge {
		t.Fatalf("32 MiB body: %v", aerr)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*maxBodyBytes {
		t.Errorf("decoding a 32 MiB body allocated %d KiB; the budget is %d KiB", alloc>>10, 4*maxBodyBytes>>10)
	}
}
