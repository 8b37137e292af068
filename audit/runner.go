package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/launchready/launchready/audit/ledger"
)

// Defaults for the Runner.
const (
	DefaultConcurrency  = 6
	DefaultCheckTimeout = 2 * time.Minute
)

// EventKind says what an Event reports.
type EventKind int

const (
	CheckStarted EventKind = iota
	CheckFinished
)

// Event is one step of a running audit, streamed to the TUI or the line printer.
type Event struct {
	Kind   EventKind
	Entry  Entry
	Result Result // set for CheckFinished
	Sent   int    // requests sent so far
	Budget int    // requests left
}

// Runner runs checks against a Target, concurrently within a bound, each with a timeout.
type Runner struct {
	Checks       []Check
	Concurrency  int
	CheckTimeout time.Duration
	Version      string
}

// Run runs every check, sends an event as each starts and finishes, closes events, and returns the report.
// A panicking check becomes an error result; a check past its timeout is inconclusive; cancelling ctx ends the
// audit with what was found so far.
func (r *Runner) Run(ctx context.Context, t *Target, events chan<- Event) *Report {
	defer close(events)
	start := time.Now()
	ctx = ledger.With(ctx, t.Ledger)
	t.Bind(ctx)
	limit := firstPositive(t.Plan.Limits.Concurrency, r.Concurrency, DefaultConcurrency)
	timeout := firstPositive(time.Duration(t.Plan.Limits.CheckTime), r.CheckTimeout, DefaultCheckTimeout)

	results := make([]Result, len(r.Checks))
	// The checks that run before the measurements hold a share of the quiet gate from the start (see quietGate).
	// Each check's phase is settled once: a share taken is given back by the phase that runs the check.
	gate := newQuietGate()
	phaseOf := make([]Phase, len(r.Checks))
	shares := make([]*share, len(r.Checks))
	for i, c := range r.Checks {
		phaseOf[i] = c.phaseOn(t)
		switch phaseOf[i] {
		case PhaseMain, PhaseFlows, PhaseEnd:
			shares[i] = gate.newShare()
		}
	}
	mainDone, sessionsFree := make(chan struct{}), make(chan struct{})
	ctx = context.WithValue(context.WithValue(ctx, afterMainKey{}, mainDone), endingKey{}, sessionsFree)
	// runPhase runs the checks of phase, each once wait (when given) lets it, calls done (when given) as
	// each ends, and returns the phase's time (from its first check's start), its checks and what they sent (with
	// the shared work they started: a flow, a login and walk).
	runPhase := func(phase Phase, wait func(context.Context, Check), done func(Check)) PhaseTime {
		var mu sync.Mutex
		var began time.Time
		n := 0
		sem := make(chan struct{}, limit)
		lane := func(Check) chan struct{} { return sem }
		switch phase {
		case PhaseQuiet: // one measurement of each kind at a time: the browser's (LCP: the machine's own work) and an
			// HTTP one (latency: the app's answers, a few requests in flight, the cores idle while they wait)
			browserLane, httpLane := make(chan struct{}, 1), make(chan struct{}, 1)
			lane = func(c Check) chan struct{} {
				if c.Browser {
					return browserLane
				}
				return httpLane
			}
		case PhaseFlows: // the flows' checks mostly wait on the few flows they share: a slot each, or the waiting
			// ones hold every slot while a flow no one has started yet (the invite) waits for one
			sem = make(chan struct{}, len(r.Checks))
		}
		var wg sync.WaitGroup
		for i, c := range r.Checks {
			if phaseOf[i] != phase {
				continue
			}
			n++
			cctx := ledger.InPhase(ctx, phase.Name())
			if shares[i] != nil {
				cctx = context.WithValue(cctx, shareKey{}, shares[i])
			}
			wg.Go(func() {
				if shares[i] != nil {
					defer shares[i].add(-1)
				}
				if done != nil {
					defer done(c)
				}
				if wait != nil {
					wait(cctx, c)
				}
				s := &slot{sem: lane(c)}
				s.take(cctx)
				defer s.give()
				mu.Lock()
				if began.IsZero() {
					began = time.Now()
				}
				mu.Unlock()
				events <- Event{Kind: CheckStarted, Entry: c.Entry, Sent: t.Probe.Sent(), Budget: t.Probe.Remaining()}
				res := r.runOne(context.WithValue(cctx, slotKey{}, s), t, c, timeout)
				results[i] = res
				events <- Event{Kind: CheckFinished, Entry: c.Entry, Result: res, Sent: t.Probe.Sent(), Budget: t.Probe.Remaining()}
			})
		}
		wg.Wait()
		return PhaseTime{Phase: phase.Name(), Duration: time.Since(began), Checks: n, Sent: t.Ledger.InPhases()[phase.Name()]}
	}
	var phases []PhaseTime
	keep := func(pts ...PhaseTime) {
		for _, pt := range pts {
			if pt.Checks > 0 {
				phases = append(phases, pt)
			}
		}
	}
	t.SignInFirst(ctx) // a person signs in by hand (login: manual) before the checks start
	// The main checks and the account flows run side by side (the flows make accounts of their own and act in A's
	// session only once its walk is recorded); the measurements start as soon as neither works any more — the
	// login timing may still be resting between its bursts — and run alone.
	var first sync.WaitGroup
	var mainTime PhaseTime
	var flows []PhaseTime
	first.Go(func() {
		defer close(mainDone)
		mainTime = runPhase(PhaseMain, nil, nil)
	})
	var flowsEnded time.Time
	first.Go(func() {
		flows = r.flowsAndEnd(phaseOf, runPhase, mainDone, sessionsFree)
		flowsEnded = time.Now()
	})
	alone := gate.measure()
	quietStarted := time.Now()
	quiet := runPhase(PhaseQuiet, nil, nil)
	alone()
	first.Wait()
	if len(flows) > 0 && flows[0].Checks > 0 && flowsEnded.After(quietStarted) {
		quiet.While = flows[0].Phase // the login timing rested between its bursts meanwhile
	}
	if mainTime.Checks > 0 {
		for i := range flows {
			if flows[i].Beside == "" {
				flows[i].Beside = mainTime.Phase
			}
		}
	}
	keep(mainTime)
	keep(flows...)
	keep(quiet)
	// The judge reads every error answer the checks before it saw; the bursts, which may get this address
	// blocked, come after it.
	for _, phase := range []Phase{PhaseJudge, PhaseBurst, PhaseLast} {
		keep(runPhase(phase, nil, nil))
	}
	blocked, allowed := t.ThirdParty()
	authPages, stalled := t.AuthPages(), t.Stalled()
	t.Close()
	by := t.Ledger.By()
	for i := range results {
		results[i].Sent = by[results[i].ID]
	}
	shared := map[string]ledger.Counts{}
	for tag, c := range by {
		if !r.isCheck(tag) {
			shared[cmp.Or(tag, "other")] = c
		}
	}

	return &Report{
		Tool:              "launchready",
		Version:           r.Version,
		Name:              t.Plan.Name,
		Target:            t.App.String(),
		Plan:              t.Plan,
		Started:           start.UTC(),
		Duration:          time.Since(start),
		Requests:          t.Probe.Sent(),
		BrowserRequests:   t.Ledger.Total().Browser,
		Phases:            phases,
		Shared:            shared,
		Queries:           t.DNSQueries(),
		Refused:           t.Probe.Refused(),
		ThirdPartyBlocked: blocked,
		ThirdPartyAllowed: allowed,
		SignIn:            t.SignInNotes(),
		AuthPages:         authPages,
		Stalled:           stalled,
		Results:           results,
		Areas:             Scorecard(results),
	}
}

// flowsAndEnd runs the account flows and the ending of sessions side by side. A check that ends a session (the
// logout) starts once the main checks are over, which use the accounts' sessions, and ends the session once the
// flows that act in them (Check.Sessions: the invite, the write swap) are too (BeforeEndingSession); it holds its
// place before the measurements meanwhile. The other ending checks (reading the flows' mail) wait, idle, for every
// flow. Each phase's time runs from its first check's start.
func (r *Runner) flowsAndEnd(phaseOf []Phase, runPhase func(Phase, func(context.Context, Check), func(Check)) PhaseTime, mainDone <-chan struct{}, sessionsFree chan<- struct{}) []PhaseTime {
	var inFlows, inSessions sync.WaitGroup
	for i, c := range r.Checks {
		if phaseOf[i] == PhaseFlows {
			inFlows.Add(1)
			if c.Sessions {
				inSessions.Add(1)
			}
		}
	}
	go func() {
		inSessions.Wait()
		close(sessionsFree)
	}()
	var flows, end PhaseTime
	var both sync.WaitGroup
	both.Go(func() {
		flows = runPhase(PhaseFlows, nil, func(c Check) {
			if c.Sessions {
				inSessions.Done()
			}
			inFlows.Done()
		})
	})
	both.Go(func() {
		end = runPhase(PhaseEnd, func(ctx context.Context, c Check) {
			if c.EndsSession {
				<-mainDone
				return
			}
			Idle(ctx, inFlows.Wait)
		}, nil)
	})
	both.Wait()
	if flows.Checks > 0 {
		end.Beside = flows.Phase
	}
	return []PhaseTime{flows, end}
}

// runOne runs a single check with its timeout, turns a panic into an error result, and completes and redacts
// what the check returned.
func (r *Runner) runOne(ctx context.Context, t *Target, c Check, timeout time.Duration) (res Result) {
	began := time.Now()
	defer func() { res = finish(t, c.Entry, res, time.Since(began)) }()
	if t.Plan.Skips(c.Entry) {
		return NotRun("left out by the plan's skip: list (remove it there to run this check)")
	}
	if ctx.Err() != nil {
		return Undecided("the audit was cancelled before this check ran")
	}
	cctx, cancel := context.WithTimeout(ledger.Tag(ctx, c.ID), timeout)
	defer cancel()
	done := make(chan Result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- Result{Status: Error, Summary: fmt.Sprintf("the check crashed (%v): this is a bug in launchready, please report it with this report", p),
					Evidence: []Evidence{{Label: "stack", Excerpt: firstLines(string(debug.Stack()), 12)}}}
			}
		}()
		done <- c.Run(cctx, t)
	}()
	select {
	case res := <-done:
		return res
	case <-cctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return Undecided("the audit was cancelled while this check ran")
		}
		return Undecided(fmt.Sprintf("the check did not finish within %s (is the target slow? raise limits.check_timeout)", timeout))
	}
}

func (r *Runner) isCheck(tag string) bool {
	for _, c := range r.Checks {
		if c.ID == tag {
			return true
		}
	}
	return false
}

// finish fills the catalog's fields into a result and redacts every string in it.
func finish(t *Target, e Entry, res Result, took time.Duration) Result {
	res.ID, res.Area, res.Title, res.Duration = e.ID, e.Area, e.Title, took
	if !res.Status.Valid() {
		res = Result{ID: e.ID, Area: e.Area, Title: e.Title, Status: Error, Summary: fmt.Sprintf("the check returned no valid status (%q): a bug in launchready", res.Status)}
	}
	switch res.Status {
	case Fail, Warn:
		if res.Severity == SeverityNone {
			res.Severity = max(e.Severity, Low)
		}
		res.Why, res.Fix, res.Refs = Why(e.ID), e.Fix, e.Refs
	default:
		res.Severity = SeverityNone
	}
	red := t.Probe.Redactor()
	res.Summary = red.String(res.Summary)
	if res.Evidence == nil {
		res.Evidence = []Evidence{}
	}
	for i, ev := range res.Evidence {
		ev.Label, ev.Request, ev.Excerpt = red.String(ev.Label), red.String(ev.Request), red.String(ev.Excerpt)
		headers := make([]string, len(ev.Headers))
		for j, h := range ev.Headers {
			headers[j] = red.String(h)
		}
		if ev.Headers == nil {
			headers = nil
		}
		ev.Headers = headers
		res.Evidence[i] = ev
	}
	return res
}

func firstPositive[T int | time.Duration](vs ...T) T {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}

func firstLines(s string, n int) string {
	lines := 0
	for i, c := range s {
		if c == '\n' {
			lines++
			if lines == n {
				return s[:i]
			}
		}
	}
	return s
}
