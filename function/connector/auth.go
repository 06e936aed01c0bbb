package connector

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorized builds the app if needed and checks the bearer key. It returns
// nil after writing the error response.
func (h *Handler) authorized(w http.ResponseWriter, r *http.Request) *app {
	a := h.getApp(w, r)
	if a == nil {
		return nil
	}
	if _, e := a.authenticate(r.Header.Get("Authorization")); e != nil {
		writeError(w, r, e)
		return nil
	}
	return a
}

// authenticate checks an Authorization header value and returns the key.
func (a *app) authenticate(header string) (string, *Error) {
	scheme, key, ok := strings.Cut(header, " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return "", newError(CodeUnauthorized, "missing API key: send Authorization: Bearer <key>")
	}
	if !a.validKey(key) {
		return "", newError(CodeUnauthorized, "invalid API key")
	}
	return key, nil
}

// validKey compares digests so every comparison takes the same time
// whatever the key's length, and checks every configured key so the time
// does not tell which one matched.
func (a *app) validKey(key string) bool {
	d := sha256.Sum256([]byte(key))
	match := 0
	for i := range a.keys {
		match |= subtle.ConstantTimeCompare(d[:], a.keys[i][:])
	}
	return match == 1
}
