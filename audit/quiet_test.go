package audit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// span is a stretch of time a check spent working, or a measurement measuring.
type span struct {
	who        string
	start, end time.Time
}

type spans struct {
	mu   sync.Mutex
	list []span
}

// work records d of work by who.
func (s *spans) work(who string, d time.Duration) {
	start := time.Now()
	time.Sleep(d)
	s.mu.Lock()
	s.list = append(s.list, span{who, start, time.Now()})
	s.mu.Unlock()
}

func (s *spans) of(who string) []span {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []span
	for _, sp := range s.list {
		if sp.who == who {
			out = append(out, sp)
		}
	}
	return out
}

// The measurements run alone, but not after everything: they start once every check before them is over or
// resting — the login timing between its bursts, the mail reading waiting for the flows — and a rest that ends
// meanwhile waits for them. A check's goroutine at work (Go) keeps them out even while the check's own one rests.
func TestMeasurementsRunWhileOtherChecksRest(t *testing.T) {
	target := testTarget(t, &Plan{})
	var sp spans
	mk := func(id string, phase Phase, run func(ctx context.Context)) Check {
		c := check(id, func(ctx context.Context, t *Target) Result { run(ctx); return Informed("") })
		c.Phase = phase
		return c
	}
	checks := []Check{
		mk("headers.hsts", PhaseMain, func(context.Context) { sp.work("main", 60*time.Millisecond) }),
		// the login timing: a burst, a rest of a window, a burst
		mk("auth.user-enumeration", PhaseFlows, func(ctx context.Context) {
			sp.work("timing", 20*time.Millisecond)
			Idle(ctx, func() { time.Sleep(400 * time.Millisecond) })
			sp.work("timing", 20*time.Millisecond)
		}),
		// a flow whose work goes on in a goroutine of its own while the check's waits, idle
		mk("auth.reset-flow", PhaseFlows, func(ctx context.Context) {
			done := make(chan struct{})
			Go(ctx, func() {
				defer close(done)
				sp.work("reset", 150*time.Millisecond)
			})
			Idle(ctx, func() { <-done })
		}),
		mk("email.delivery", PhaseEnd, func(context.Context) { sp.work("mail", 10*time.Millisecond) }),
		mk("perf.lcp-mobile", PhaseQuiet, func(context.Context) { sp.work("measure", 100*time.Millisecond) }),
	}
	runAll(t, target, &Runner{Checks: checks})

	measure := sp.of("measure")
	if len(measure) != 1 {
		t.Fatalf("measured %d times", len(measure))
	}
	m := measure[0]
	var overlaps []string
	for _, s := range sp.list {
		if s.who != "measure" && s.start.Before(m.end) && m.start.Before(s.end) {
			overlaps = append(overlaps, fmt.Sprintf("%s (%v–%v after the measurement's start)", s.who, s.start.Sub(m.start).Round(time.Millisecond), s.end.Sub(m.start).Round(time.Millisecond)))
		}
	}
	if len(overlaps) > 0 {
		t.Errorf("worked while the measurement ran: %s", strings.Join(overlaps, "; "))
	}
	// when says where spans lie from the measurement's start.
	when := func(list []span) string {
		var out []string
		for _, s := range list {
			out = append(out, fmt.Sprintf("%v–%v", s.start.Sub(m.start).Round(time.Millisecond), s.end.Sub(m.start).Round(time.Millisecond)))
		}
		return strings.Join(out, ", ")
	}
	timing := sp.of("timing")
	if len(timing) != 2 || !m.start.Before(timing[1].start) {
		t.Errorf("the measurement (0–%v) did not run during the timing's rest: the timing worked at %s", m.end.Sub(m.start).Round(time.Millisecond), when(timing))
	}
	for _, who := range []string{"main", "reset"} {
		if w := sp.of(who); len(w) != 1 || w[0].end.After(m.start) {
			t.Errorf("the measurement started before %s's work ended: %s worked at %s", who, who, when(w))
		}
	}
	if mail := sp.of("mail"); len(mail) != 1 || len(timing) == 0 || mail[0].start.Before(timing[len(timing)-1].end) {
		t.Errorf("the mail was read (at %s) before every flow ended (the timing at %s)", when(mail), when(timing))
	}
}
