package audit

import (
	"context"
	"sync"
)

// The measurements (LCP, latency) time this machine's work and the app's answers, so nothing else may run while
// they do. They do not have to wait for every other check to end, though, only for every other check to stop
// working: a check that rests (the login timing, between two bursts a window apart) or waits for others (the mail
// reading, for the flows) lets them run meanwhile. quietGate keeps that account: each running check holds a share
// while any of its goroutines works, gives it back while they all rest (Idle), and the measurements start once no
// share is held and keep new ones out until they end. A check whose rest ends meanwhile waits for them.
type quietGate struct {
	mu        sync.Mutex
	cond      *sync.Cond
	busy      int // shares held: checks with a goroutine at work
	measuring bool
}

func newQuietGate() *quietGate {
	g := &quietGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// enter takes a share, once no measurement runs.
func (g *quietGate) enter() {
	g.mu.Lock()
	for g.measuring {
		g.cond.Wait()
	}
	g.busy++
	g.mu.Unlock()
}

func (g *quietGate) leave() {
	g.mu.Lock()
	g.busy--
	g.cond.Broadcast()
	g.mu.Unlock()
}

// measure waits until no share is held and keeps new ones out until the returned func is called.
func (g *quietGate) measure() (done func()) {
	g.mu.Lock()
	for g.busy > 0 {
		g.cond.Wait()
	}
	g.measuring = true
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		g.measuring = false
		g.cond.Broadcast()
		g.mu.Unlock()
	}
}

// share is one check's part in the gate: it holds a share while working > 0.
type share struct {
	gate    *quietGate
	mu      sync.Mutex
	working int
}

// newShare is a share for a check that will run before the measurements, held from now on: the measurements wait
// for it even before the check starts.
func (g *quietGate) newShare() *share {
	g.enter()
	return &share{gate: g, working: 1}
}

// add changes how many of the check's goroutines work, taking or giving the share when that crosses zero.
func (s *share) add(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.working
	s.working += n
	switch {
	case was == 0 && s.working > 0:
		s.gate.enter()
	case was > 0 && s.working == 0:
		s.gate.leave()
	}
}

type shareKey struct{}

// Idle runs wait, a wait on a clock or on other checks, as rest: while every goroutine of the calling check is
// idle, the measurements may run. When wait ends during one, Idle returns once it is over. Outside an audit run
// (a check run on its own) it just runs wait.
func Idle(ctx context.Context, wait func()) {
	if s, _ := ctx.Value(shareKey{}).(*share); s != nil {
		s.add(-1)
		defer s.add(1)
	}
	wait()
}

// Go runs work in a goroutine of the calling check's: at work unless it rests (Idle), like the check's own.
func Go(ctx context.Context, work func()) {
	s, _ := ctx.Value(shareKey{}).(*share)
	if s != nil {
		s.add(1)
	}
	go func() {
		if s != nil {
			defer s.add(-1)
		}
		work()
	}()
}

type afterMainKey struct{}

// AfterMain waits, idle, until the main checks have ended: for work that may get this address blocked (a burst of
// failed logins), which must not reach the checks that read the app with the accounts' sessions, where a block
// would read as a refusal. Outside an audit run it returns at once.
func AfterMain(ctx context.Context) {
	if done, _ := ctx.Value(afterMainKey{}).(chan struct{}); done != nil {
		Idle(ctx, func() { untilClosed(ctx, done) })
	}
}

type endingKey struct{}

// BeforeEndingSession waits until no flow acts in the accounts' own sessions any more (Check.Sessions): an app may
// end every session of an account when one logs out. The wait is work, not rest: the ending comes before the
// measurements. Outside an audit run, or in the last phase, it returns at once.
func BeforeEndingSession(ctx context.Context) {
	if free, _ := ctx.Value(endingKey{}).(chan struct{}); free != nil {
		untilClosed(ctx, free)
	}
}

// untilClosed waits until ch is closed or ctx ends.
func untilClosed(ctx context.Context, ch <-chan struct{}) {
	select {
	case <-ch:
	case <-ctx.Done():
	}
}
