package connector

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorized builds the app if needed, checks the bearer key and takes one
// of the key's request slots. It returns nil after writing the error
// response; otherwise the caller calls release when the request is done.
func (h *Handler) authorized(w http.ResponseWriter, r *http.Request) (a *app, release func()) {
	if a = h.getApp(w, r); a == nil {
		return nil, nil
	}
	release, e := a.admit(r.Header.Get("Authorization"))
	if e != nil {
		writeError(w, r, e)
		return nil, nil
	}
	return a, release
}

// admit is the way in for every transport (REST, MCP): the key, then one
// of its slots (limits.go).
func (a *app) admit(header string) (release func(), e *Error) {
	i, e := a.authenticate(header)
	if e != nil {
		return nil, e
	}
	return a.slots.enter(i)
}

// authenticate checks an Authorization header value and returns the
// matched key's index in API_KEYS.
func (a *app) authenticate(header string) (int, *Error) {
	scheme, key, ok := strings.Cut(header, " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return -1, newError(CodeUnauthorized, "missing API key: send Authorization: Bearer <key>")
	}
	i := a.keyIndex(key)
	if i < 0 {
		return -1, newError(CodeUnauthorized, "invalid API key")
	}
	return i, nil
}

// keyIndex compares digests so every comparison takes the same time
// whatever the key's length, and checks every configured key so the time
// does not tell which one matched. It returns -1 for no match.
func (a *app) keyIndex(key string) int {
	d := sha256.Sum256([]byte(key))
	idx := -1
	for i := range a.keys {
		idx = subtle.ConstantTimeSelect(subtle.ConstantTimeCompare(d[:], a.keys[i][:]), i, idx)
	}
	return idx
}
