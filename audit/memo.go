package audit

import "sync"

type memoEntry struct {
	once sync.Once
	v    any
}

// Once runs f the first time key is asked for and hands every later caller the same value: several checks share
// one run of a flow (the sign-up flow feeds auth.signup-flow, auth.email-verification and the reset flow).
func (t *Target) Once(key string, f func() any) any {
	t.mu.Lock()
	if t.memo == nil {
		t.memo = map[string]*memoEntry{}
	}
	e, ok := t.memo[key]
	if !ok {
		e = &memoEntry{}
		t.memo[key] = e
	}
	t.mu.Unlock()
	e.once.Do(func() { e.v = f() })
	return e.v
}
