package audit

import (
	"context"
	"sync"
)

// slot is a check's place among those the runner lets work at once (limits.concurrency). A check that waits for
// shared work another check is doing (A's login and walk, the anonymous visit) gives its place back meanwhile:
// waiting is not work, and the checks that need nothing shared (headers, DNS, the exposed files) would otherwise
// queue behind a login they do not need.
type slot struct {
	sem  chan struct{}
	mu   sync.Mutex
	held bool
}

type slotKey struct{}

// take waits for a place, or for ctx to end (then the check runs anyway: runOne reports the cancellation).
func (s *slot) take(ctx context.Context) {
	select {
	case s.sem <- struct{}{}:
		s.mu.Lock()
		s.held = true
		s.mu.Unlock()
	case <-ctx.Done():
	}
}

// give gives the place back, if the check holds one, and reports whether it did: looked at and given back in one
// step, so two goroutines of one check (its replays) waiting at once cannot both give the one place back.
func (s *slot) give() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.held {
		return false
	}
	s.held = false
	<-s.sem
	return true
}

// whileWaiting runs wait, a wait for work another check is doing, with the caller's place given back meanwhile.
func whileWaiting(ctx context.Context, wait func()) {
	// Only the goroutine that gave the place back takes one again.
	if s, _ := ctx.Value(slotKey{}).(*slot); s != nil && s.give() {
		defer s.take(ctx)
	}
	wait()
}

// sharedOnce runs a piece of shared work once: the first caller does it, the others wait for it to end, each
// giving its place back while it waits (whileWaiting). Like sync.Once, work that panics counts as done.
type sharedOnce struct {
	mu   sync.Mutex
	done chan struct{}
}

func (o *sharedOnce) do(ctx context.Context, work func()) {
	o.mu.Lock()
	if o.done == nil {
		o.done = make(chan struct{})
		o.mu.Unlock()
		defer close(o.done)
		work()
		return
	}
	done := o.done
	o.mu.Unlock()
	select {
	case <-done:
		return
	default:
	}
	whileWaiting(ctx, func() { <-done })
}
