package connector

import (
	"strconv"
	"sync/atomic"
)

// keySlots caps how many requests one API key has in flight at once
// (MAX_CONCURRENT_PER_KEY), so one agent's slow queries cannot take every
// pool connection and turn every other agent's request into a 503. Keys are
// told apart by their index in API_KEYS (the matched digest), never by the
// key itself. Past the cap the answer is at once a 429 with Retry-After:
// the agent has requests running, and the next one can go when one ends.
type keySlots struct {
	max   int32
	inUse []atomic.Int32
}

// maxPerKeyCeiling is the highest MAX_CONCURRENT_PER_KEY, and the default
// with one key (no cap in practice).
const maxPerKeyCeiling = 10_000

func newKeySlots(keys, max int) *keySlots {
	return &keySlots{max: int32(max), inUse: make([]atomic.Int32, keys)}
}

// enter takes a slot for key index i; release gives it back.
func (s *keySlots) enter(i int) (release func(), e *Error) {
	c := &s.inUse[i]
	if c.Add(1) > s.max {
		c.Add(-1)
		return nil, &Error{Code: CodeTooManyRequests, RetryAfter: 1, Message: "this API key already has " +
			strconv.Itoa(int(s.max)) + " requests in flight (MAX_CONCURRENT_PER_KEY); wait for one to finish, then retry"}
	}
	return func() { c.Add(-1) }, nil
}

// defaultPerKey leaves room for the other keys: with several, one key may
// have at most half the pool's worth of requests in flight (and always at
// least one). With one key there is no one to leave room for, so there is
// no cap: a burst waits its turn for a connection (ACQUIRE_TIMEOUT_MS) as
// before, and the host bounds requests in flight (MAX_HTTP_CONNECTIONS,
// Lambda's one at a time, GCP's per-instance concurrency).
func defaultPerKey(poolSize, keys int) int {
	if keys <= 1 {
		return maxPerKeyCeiling
	}
	return max(1, poolSize/2)
}
