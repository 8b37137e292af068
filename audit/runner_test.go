package audit

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchready/launchready/audit/probe"
)

func testTarget(t *testing.T, plan *Plan) *Target {
	t.Helper()
	if plan.App == "" {
		plan.App = "https://127.0.0.1/"
	}
	target, err := NewTarget(plan, func(string) string { return "hunter2-password" })
	if err != nil {
		t.Fatal(err)
	}
	return target
}

func check(id string, run func(context.Context, *Target) Result) Check {
	e, ok := Lookup(id)
	if !ok {
		panic(id)
	}
	return Check{Entry: e, Run: run}
}

func runAll(t *testing.T, target *Target, r *Runner) *Report {
	t.Helper()
	events := make(chan Event, 100)
	var started, finished int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			if ev.Kind == CheckStarted {
				started++
			} else {
				finished++
			}
		}
	}()
	rep := r.Run(t.Context(), target, events)
	<-done
	if started != len(r.Checks) || finished != len(r.Checks) {
		t.Errorf("events: %d started, %d finished, want %d each", started, finished, len(r.Checks))
	}
	return rep
}

func TestRunnerTurnsFaultsIntoResults(t *testing.T) {
	target := testTarget(t, &Plan{Skip: []string{"headers.nosniff"},
		Accounts: Accounts{A: &Account{Email: "a@x", PasswordEnv: "A"}}})
	r := &Runner{CheckTimeout: 100 * time.Millisecond, Checks: []Check{
		check("headers.hsts", func(context.Context, *Target) Result { panic("boom") }),
		check("headers.csp", func(ctx context.Context, _ *Target) Result {
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond)
			return Passed("late")
		}),
		check("headers.nosniff", func(context.Context, *Target) Result { t.Error("a skipped check ran"); return Passed("x") }),
		check("headers.frame", func(context.Context, *Target) Result { return Result{Status: "maybe"} }),
		check("cors.origin", func(context.Context, *Target) Result {
			return Failed(0, "leaked hunter2-password", Evidence{Headers: []string{"Cookie: sid=abc"}, Excerpt: `{"password":"x"}`})
		}),
	}}
	rep := runAll(t, target, r)
	want := map[string]Status{"headers.hsts": Error, "headers.csp": Inconclusive, "headers.nosniff": Skipped, "headers.frame": Error, "cors.origin": Fail}
	for _, res := range rep.Results {
		if res.Status != want[res.ID] {
			t.Errorf("%s: %s %q, want %s", res.ID, res.Status, res.Summary, want[res.ID])
		}
	}
	failed := rep.Results[4]
	if failed.Severity != High || failed.Fix == "" {
		t.Errorf("a fail takes the catalog's severity and fix: %+v", failed)
	}
	for _, s := range []string{failed.Summary, failed.Evidence[0].Headers[0], failed.Evidence[0].Excerpt} {
		if strings.Contains(s, "hunter2") || strings.Contains(s, "abc") || strings.Contains(s, `"x"`) {
			t.Errorf("secret not redacted: %q", s)
		}
	}
}

func TestRunnerBoundsConcurrency(t *testing.T) {
	target := testTarget(t, &Plan{Limits: Limits{Concurrency: 2}})
	var running, peak atomic.Int32
	var ids []Check
	for _, e := range Catalog[:8] {
		ids = append(ids, Check{Entry: e, Run: func(context.Context, *Target) Result {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			return Informed("ok")
		}})
	}
	runAll(t, target, &Runner{Checks: ids})
	if peak := peak.Load(); peak > 2 || peak == 0 {
		t.Errorf("%d checks ran at once, limit 2", peak)
	}
}

func TestRunnerLateChecksRunLast(t *testing.T) {
	target := testTarget(t, &Plan{})
	var order []string
	late := check("input.error-leakage", func(context.Context, *Target) Result { order = append(order, "late"); return Informed("") })
	late.Phase = PhaseJudge
	runAll(t, target, &Runner{Concurrency: 1, Checks: []Check{late,
		check("headers.hsts", func(context.Context, *Target) Result { order = append(order, "early"); return Informed("") })}})
	if strings.Join(order, ",") != "early,late" {
		t.Errorf("order %v", order)
	}
}

// Measurements run after the main phase with nothing else running, whatever the concurrency: one browser
// measurement at a time, beside one HTTP measurement at a time.
func TestRunnerMeasuresInQuiet(t *testing.T) {
	target := testTarget(t, &Plan{})
	var browsers, https, mainDone atomic.Int32
	var mu sync.Mutex
	peak := map[string]int32{}
	note := func(k string, v int32) {
		mu.Lock()
		peak[k] = max(peak[k], v)
		mu.Unlock()
	}
	busy := func(id string, phase Phase, browser bool) Check {
		c := check(id, func(context.Context, *Target) Result {
			if phase != PhaseQuiet {
				time.Sleep(10 * time.Millisecond)
				mainDone.Add(1)
				return Informed("")
			}
			note("main checks still running", 4-mainDone.Load())
			lane, other := &https, &browsers
			if browser {
				lane, other = &browsers, &https
			}
			lane.Add(1)
			defer lane.Add(-1)
			for wait := time.Now(); other.Load() == 0 && time.Since(wait) < 2*time.Second; {
				time.Sleep(time.Millisecond) // a measurement of the other kind may run beside this one
			}
			note("browser", browsers.Load())
			note("HTTP", https.Load())
			note("in all", browsers.Load()+https.Load())
			return Informed("")
		})
		c.Phase, c.Browser = phase, browser
		return c
	}
	checks := []Check{busy("perf.lcp-mobile", PhaseQuiet, true), busy("secrets.client-bundle", PhaseQuiet, true),
		busy("perf.api-p95", PhaseQuiet, false), busy("perf.health", PhaseQuiet, false)}
	for _, id := range []string{"headers.hsts", "headers.csp", "headers.frame", "headers.nosniff"} {
		checks = append(checks, busy(id, PhaseMain, false))
	}
	runAll(t, target, &Runner{Concurrency: 8, Checks: checks})
	want := map[string]int32{"main checks still running": 0, "browser": 1, "HTTP": 1, "in all": 2}
	if !maps.Equal(peak, want) {
		t.Errorf("at most %v at once, want %v", peak, want)
	}
}

func TestScorecardRollup(t *testing.T) {
	res := func(area string, ss ...Status) []Result {
		var out []Result
		for _, s := range ss {
			out = append(out, Result{Area: area, Status: s})
		}
		return out
	}
	var all []Result
	all = append(all, res("headers", Pass, Warn, Pass)...)
	all = append(all, res("cors", Pass, Fail)...)
	all = append(all, res("transport", Pass, Inconclusive, Skipped)...)
	all = append(all, res("email", Inconclusive, Skipped)...)
	all = append(all, res("ops", Info, Skipped)...)
	all = append(all, res("authz", Skipped, Skipped)...)
	all = append(all, res("secrets", Pass, Accepted, Pass)...)
	all = append(all, res("session", Pass, Info, Pass)...)
	// An area is green only when every check of it decided: one that mostly did not run is incomplete, with why.
	want := map[string]Status{"headers": Warn, "cors": Fail, "transport": Incomplete, "email": Inconclusive, "ops": Incomplete,
		"authz": Skipped, "secrets": Accepted, "session": Pass}
	for _, row := range Scorecard(all) {
		if row.Status != want[row.ID] {
			t.Errorf("%s: %s, want %s", row.ID, row.Status, want[row.ID])
		}
		if (row.Status == Incomplete) != (row.Undecided != "" && row.ID != "email") && row.Status != Inconclusive {
			t.Errorf("%s: %s with undecided %q", row.ID, row.Status, row.Undecided)
		}
	}
}

func TestVerdictNeverGreenWithoutEvidence(t *testing.T) {
	tests := []struct {
		name    string
		results []Result
		want    string
	}{
		{"critical fail", []Result{{Status: Fail, Severity: Critical}, {Status: Warn}}, "Not ready for launch: 1 critical failing, and 1 warning"},
		{"nothing decided", []Result{{Status: Inconclusive}, {Status: Skipped}}, "No verdict"},
		{"partial coverage", []Result{{Status: Pass}, {Status: Skipped}}, "not a full launch verdict"},
		{"everything passed", []Result{{Status: Pass}, {Status: Warn}}, "Ready, with 1 warning"},
	}
	for _, tt := range tests {
		r := &Report{Results: tt.results}
		if got := r.Verdict(); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCombine(t *testing.T) {
	got := Combine(Passed("a", Evidence{Label: "1"}), Failed(Medium, "b"), Failed(High, "c"), Undecided("d"))
	if got.Status != Fail || got.Severity != High || got.Summary != "b; c; d" || len(got.Evidence) != 1 {
		t.Errorf("got %+v", got)
	}
	if got := Combine(); got.Status != Inconclusive {
		t.Errorf("empty combine: %s", got.Status)
	}
	// A part that could not be decided keeps the whole from passing; a fail or a warn still leads.
	for _, tt := range []struct {
		parts []Result
		want  Status
	}{
		{[]Result{Passed("a"), Undecided("b")}, Inconclusive},
		{[]Result{Passed("a"), Informed("b")}, Pass},
		{[]Result{Warned(Low, "a"), Undecided("b")}, Warn},
		{[]Result{Undecided("a"), NotRun("b")}, Inconclusive},
	} {
		if got := Combine(tt.parts...); got.Status != tt.want {
			t.Errorf("Combine(%v): %s, want %s", tt.parts, got.Status, tt.want)
		}
	}
}

// The report says where the time went, phase by phase, and what each check and each piece of shared work sent.
func TestRunnerAccountsPhasesAndRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	target := testTarget(t, &Plan{App: srv.URL + "/"})
	sends := func(id string, phase Phase, own, shared int) Check {
		c := check(id, func(ctx context.Context, t *Target) Result {
			for range own {
				t.Probe.Do(ctx, &probe.Request{URL: srv.URL + "/" + id})
			}
			for range shared {
				t.Probe.Do(t.Shared(ctx, "a flow"), &probe.Request{URL: srv.URL + "/flow"})
			}
			return Informed("")
		})
		c.Phase = phase
		return c
	}
	rep := runAll(t, target, &Runner{Checks: []Check{
		sends("headers.hsts", PhaseMain, 2, 0),
		sends("headers.csp", PhaseMain, 1, 3),
		sends("perf.api-p95", PhaseQuiet, 4, 0),
		sends("ratelimit.login", PhaseBurst, 5, 0),
	}})
	wantSent := map[string]int{"headers.hsts": 2, "headers.csp": 1, "perf.api-p95": 4, "ratelimit.login": 5}
	for _, res := range rep.Results {
		if res.Sent.HTTP != wantSent[res.ID] || res.Sent.Browser != 0 {
			t.Errorf("%s sent %+v, want %d over HTTP", res.ID, res.Sent, wantSent[res.ID])
		}
	}
	if got := rep.Shared["a flow"].HTTP; got != 3 || len(rep.Shared) != 1 {
		t.Errorf("shared work: %+v, want 3 requests of \"a flow\"", rep.Shared)
	}
	var phases []string
	for _, p := range rep.Phases {
		phases = append(phases, fmt.Sprintf("%s: %d checks, %d sent", p.Phase, p.Checks, p.Sent.HTTP))
		if p.Duration <= 0 {
			t.Errorf("phase %s took %v", p.Phase, p.Duration)
		}
	}
	if got, want := strings.Join(phases, "; "), "main checks: 2 checks, 6 sent; measurements: 1 checks, 4 sent; bursts: 1 checks, 5 sent"; got != want {
		t.Errorf("phases\n got %s\nwant %s", got, want)
	}
	if rep.Requests != 15 {
		t.Errorf("requests sent %d, want 15", rep.Requests)
	}
}

// The ending of sessions runs beside the flows: the logout starts once the main checks are over and ends the
// session once the flows that act in the accounts' sessions are (BeforeEndingSession), while the others still
// run; reading the flows' mail waits for every flow. What each phase sent is its own, with the shared work its
// checks started.
func TestRunnerEndsSessionsOnceNoFlowNeedsThem(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	target := testTarget(t, &Plan{App: srv.URL + "/"})
	var mainDone, inviteDone, resetDone atomic.Bool
	logoutStarted := make(chan struct{})
	var mu sync.Mutex
	var seen []string
	saw := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	send := func(ctx context.Context, t *Target, n int) {
		for range n {
			t.Probe.Do(ctx, &probe.Request{URL: srv.URL + "/"})
		}
	}
	main := check("headers.hsts", func(ctx context.Context, t *Target) Result {
		time.Sleep(20 * time.Millisecond)
		mainDone.Store(true)
		return Informed("")
	})
	main.Phase = PhaseMain
	invite := check("auth.invite-token", func(ctx context.Context, t *Target) Result {
		time.Sleep(100 * time.Millisecond)
		inviteDone.Store(true)
		return Informed("")
	})
	invite.Phase, invite.Sessions = PhaseFlows, true
	reset := check("auth.reset-flow", func(ctx context.Context, t *Target) Result {
		select {
		case <-logoutStarted:
			saw("the logout started while the reset flow ran")
		case <-time.After(5 * time.Second):
		}
		send(t.Shared(ctx, "password-reset flow"), t, 3)
		resetDone.Store(true)
		return Informed("")
	})
	reset.Phase = PhaseFlows
	logout := check("session.logout-invalidates", func(ctx context.Context, t *Target) Result {
		if !mainDone.Load() {
			saw("the logout started before the main checks ended")
		}
		if inviteDone.Load() {
			saw("the logout started only once the invite flow ended")
		}
		close(logoutStarted)
		BeforeEndingSession(ctx)
		if !inviteDone.Load() {
			saw("the session was ended before the invite flow ended")
		}
		send(ctx, t, 2)
		return Informed("")
	})
	logout.Phase, logout.EndsSession = PhaseEnd, true
	delivery := check("email.delivery", func(ctx context.Context, t *Target) Result {
		if !resetDone.Load() {
			saw("the mail was read before the reset flow ended")
		}
		return Informed("")
	})
	delivery.Phase = PhaseEnd
	rep := runAll(t, target, &Runner{Checks: []Check{main, invite, reset, logout, delivery}})
	if got, want := strings.Join(seen, "; "), "the logout started while the reset flow ran"; got != want {
		t.Errorf("saw %q, want %q", got, want)
	}
	var phases []string
	for _, p := range rep.Phases {
		phases = append(phases, fmt.Sprintf("%s: %d checks, %d sent", p.Phase, p.Checks, p.Sent.HTTP))
	}
	if got, want := strings.Join(phases, "; "), "main checks: 1 checks, 0 sent; account flows: 2 checks, 3 sent; ending sessions, reading mail: 2 checks, 2 sent"; got != want {
		t.Errorf("phases\n got %s\nwant %s", got, want)
	}
}
