package tui

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/launchready/launchready/audit"
)

var clockStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// fixedClock starts the audit at clockStart and is 42 seconds into it from then on: the header's elapsed time and
// the spinner hold still.
func fixedClock() func() time.Time {
	calls := 0
	return func() time.Time {
		calls++
		if calls == 1 {
			return clockStart
		}
		return clockStart.Add(42 * time.Second)
	}
}

// results is a plausible audit: per area, a mix of statuses, with evidence on the fails.
func results() []audit.Result {
	statuses := []audit.Status{audit.Fail, audit.Pass, audit.Warn, audit.Pass, audit.Inconclusive, audit.Skipped}
	var out []audit.Result
	for i, e := range audit.Catalog {
		st := statuses[i%len(statuses)]
		r := audit.Result{ID: e.ID, Area: e.Area, Title: e.Title, Status: st, Summary: fmt.Sprintf("what %s saw (%s)", e.ID, st)}
		if st == audit.Fail || st == audit.Warn {
			r.Severity, r.Why, r.Fix, r.Refs = max(e.Severity, audit.Low), audit.Why(e.ID), e.Fix, e.Refs
			r.Evidence = []audit.Evidence{{Label: "reproduce: with B's session, A's request", Request: "GET https://app.example/api/things/1", Status: 200,
				Headers: []string{"Content-Type: application/json"}, Excerpt: `{"id":1,"owner":"alice@app.example"}`}}
		}
		out = append(out, r)
	}
	return out
}

func report(rs []audit.Result) *audit.Report {
	return &audit.Report{Tool: "launchready", Version: "test", Target: "https://app.example/", Plan: &audit.Plan{App: "https://app.example/"},
		Started: clockStart, Duration: 42 * time.Second, Requests: 321, Results: rs, Areas: audit.Scorecard(rs)}
}

func newModel(exported *[]string) *AuditModel {
	return newModelAccepting(exported, &audit.AcceptFile{Path: "launchready-accept.yaml"})
}

func newModelAccepting(exported *[]string, accepts *audit.AcceptFile) *AuditModel {
	return NewAuditModel(Options{
		Accepts: accepts,
		Target:  "https://app.example/", Checks: entries(), Budget: 2000, Plan: &audit.Plan{App: "https://app.example/"}, Now: fixedClock(), Dark: true,
		Export: func(r *audit.Report) ([]string, error) {
			*exported = []string{"reports/app.md", "reports/app.json"}
			return *exported, nil
		},
	})
}

func entries() []audit.Entry { return audit.Catalog }

// midAudit feeds the first half of the results as finished and a few checks as running.
func midAudit() []tea.Msg {
	rs := results()
	var msgs []tea.Msg
	for i, r := range rs[:len(rs)/2] {
		e, _ := audit.Lookup(r.ID)
		msgs = append(msgs, EventMsg{Kind: audit.CheckStarted, Entry: e, Sent: i * 5, Budget: 2000 - i*5},
			EventMsg{Kind: audit.CheckFinished, Entry: e, Result: r, Sent: i*5 + 3, Budget: 2000 - i*5 - 3})
	}
	for _, r := range rs[len(rs)/2 : len(rs)/2+4] {
		e, _ := audit.Lookup(r.ID)
		msgs = append(msgs, EventMsg{Kind: audit.CheckStarted, Entry: e, Sent: 160, Budget: 1840})
	}
	return msgs
}

func finished() []tea.Msg {
	return append(midAudit(), DoneMsg{Report: report(results())})
}

func keys(ks ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range ks {
		switch k {
		case "enter":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEscape})
		case "down":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyDown})
		case "right":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyRight})
		default:
			out = append(out, tea.KeyPressMsg{Code: rune(k[0]), Text: k})
		}
	}
	return out
}

// screen drives the model in a real Bubble Tea program (teatest) at a size, then renders its final view as
// plain text (colour stripped: the golden files are for reading).
func screen(t *testing.T, m tea.Model, w, h int, msgs ...tea.Msg) string {
	t.Helper()
	return screenShowing(t, m, w, h, "", msgs...)
}

// screenShowing is screen that, before quitting, waits (up to 10 s) until the program has drawn want: a page that
// appears after a command (a reachability check) must not race the quit on a loaded machine.
func screenShowing(t *testing.T, m tea.Model, w, h int, want string, msgs ...tea.Msg) string {
	t.Helper()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	for _, msg := range msgs {
		tm.Send(msg)
	}
	time.Sleep(50 * time.Millisecond) // let the program take every message before it quits
	if want != "" {
		var seen []byte
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			chunk, _ := io.ReadAll(tm.Output())
			seen = append(seen, chunk...)
			if strings.Contains(ansi.Strip(string(seen)), want) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	var out string
	switch fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(type) {
	case *AuditModel:
		out = fm.Render()
	case *WizardModel:
		out = fm.Render()
	}
	plain := ansi.Strip(out)
	for i, line := range strings.Split(plain, "\n") {
		if ansi.StringWidth(line) > w {
			t.Errorf("line %d is %d cells wide, wider than the %d-column terminal: %q", i+1, ansi.StringWidth(line), w, line)
		}
	}
	if n := strings.Count(plain, "\n") + 1; n > h {
		t.Errorf("%d lines, taller than the %d-line terminal", n, h)
	}
	return plain
}

func TestAuditViews(t *testing.T) {
	cases := []struct {
		name string
		msgs func() []tea.Msg
		want []string // what must be on screen, besides the golden file
	}{
		{"mid-audit", midAudit, []string{"00:42", "31/63 checks", "running", "Auth boundaries"}},
		{"finished", finished, []string{"Not ready for launch", "fix these first: secrets.", "done, 63 checks"}},
		{"area", func() []tea.Msg { return append(finished(), keys("enter")...) }, []string{"authz.idor-read", "FAIL"}},
		{"check detail", func() []tea.Msg { return append(finished(), keys("enter", "enter")...) },
			[]string{"Evidence", "GET https://app.example/api/things/1", "Why it matters"}},
		{"failures only", func() []tea.Msg { return append(finished(), keys("f", "right", "enter")...) }, []string{"FAIL"}},
		{"help", func() []tea.Msg { return append(finished(), keys("?")...) }, []string{"failures only", "re-run", "ops questions"}},
		{"exported", func() []tea.Msg { return append(finished(), keys("e")...) }, []string{"reports written: reports/app.md"}},
		{"ops questions", func() []tea.Msg { return append(midAudit(), keys("o")...) }, []string{"Ops questions (self-reported)", "MFA is on for"}},
		{"accept form", func() []tea.Msg { return append(finished(), keys("enter", "enter", "a")...) },
			[]string{"Accept authz.idor-read", "Why is this risk accepted?", "2026-12-23"}},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}, {160, 50}, {60, 24}} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s %dx%d", tc.name, size[0], size[1]), func(t *testing.T) {
				var exported []string
				got := screen(t, newModel(&exported), size[0], size[1], tc.msgs()...)
				for _, w := range tc.want {
					if !strings.Contains(strings.ReplaceAll(got, "\n", " "), w) {
						t.Errorf("screen lacks %q:\n%s", w, got)
					}
				}
				// From about 120×36 the panels list their failing checks with the first step of the fix; smaller
				// terminals keep the counts.
				if tc.name == "finished" || tc.name == "mid-audit" {
					roomy := size[0] >= 120 && size[1] >= 36
					if has := strings.Contains(got, "→ "); has != roomy {
						t.Errorf("%dx%d: fix lines shown: %v, want %v:\n%s", size[0], size[1], has, roomy, got)
					}
				}
				golden.RequireEqual(t, got)
			})
		}
	}
}

// a in a failing check's view opens the accept form; the entry lands in the accept file (0600) and the check reads
// accepted at once, in the list and in the report, never as a pass.
func TestAcceptFromTheDetailView(t *testing.T) {
	path := t.TempDir() + "/launchready-accept.yaml"
	var exported []string
	m := newModelAccepting(&exported, &audit.AcceptFile{Path: path})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	for _, msg := range append(finished(), keys("enter", "enter", "a")...) {
		tm.Send(msg)
	}
	waitFor := func(want string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(ansi.Strip(string(b)), want) }, teatest.WithDuration(10*time.Second))
	}
	typeText := func(s string) {
		for _, r := range s {
			tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
		}
	}
	waitFor("Why is this risk accepted?")
	typeText("IDs stay until v2")
	time.Sleep(150 * time.Millisecond)
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // to until, keeping its 30-day default
	time.Sleep(100 * time.Millisecond)
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // to by
	time.Sleep(100 * time.Millisecond)
	typeText("Ana")
	time.Sleep(150 * time.Millisecond)
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // done
	waitFor("accepted until 2026-12-23")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	waitFor("ACCEPTED")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*AuditModel)
	f, err := audit.ReadAcceptFile(path)
	if err != nil || len(f.Entries) != 1 || f.Entries[0].Check != "authz.idor-read" || f.Entries[0].Reason != "IDs stay until v2" ||
		f.Entries[0].Until != "2026-12-23" || f.Entries[0].By != "Ana" {
		t.Fatalf("accept file: %+v, %v", f, err)
	}
	if r := fm.Report(); r == nil || r.Count(audit.Accepted, audit.SeverityNone) != 1 || !strings.Contains(r.Verdict(), "1 accepted risk") {
		t.Errorf("the report does not carry the accepted risk")
	}
	if got := ansi.Strip(fm.Render()); !strings.Contains(got, "ACCEPTED") {
		t.Errorf("the area does not show the accepted check:\n%s", got)
	}
}

// At 60 columns the panels stack: one area per row.
func TestPanelsStackWhenNarrow(t *testing.T) {
	var exported []string
	got := screen(t, newModel(&exported), 60, 40, finished()...)
	for _, line := range strings.Split(got, "\n") {
		n := 0
		for _, a := range audit.Areas {
			if strings.Contains(line, a.Title) {
				n++
			}
		}
		if n > 1 {
			t.Errorf("two panels side by side at 60 columns: %q", line)
		}
	}
}

// Navigation: arrows move between panels, enter opens, esc goes back, q quits once the audit is done.
func TestKeysAndQuit(t *testing.T) {
	cancelled := false
	m := NewAuditModel(Options{Target: "https://app.example/", Checks: entries(), Budget: 2000, Now: fixedClock(), Cancel: func() { cancelled = true }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	for _, msg := range midAudit() {
		tm.Send(msg)
	}
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"}) // mid-audit: cancels, waits for the runner's report
	time.Sleep(50 * time.Millisecond)
	tm.Send(DoneMsg{Report: report(results()[:10])})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*AuditModel)
	if !cancelled {
		t.Error("q mid-audit did not cancel the audit")
	}
	if fm.Report() == nil || fm.Finished() {
		t.Errorf("after q mid-audit: report %v, finished %v; want the partial report, not finished", fm.Report() != nil, fm.Finished())
	}
}

func TestOpsAnswersRerunTheOpsChecks(t *testing.T) {
	rerun := make(chan *audit.Plan, 1)
	var ids []string
	m := NewAuditModel(Options{Target: "https://app.example/", Checks: entries(), Budget: 2000, Now: fixedClock(),
		Plan:  &audit.Plan{App: "https://app.example/"},
		Rerun: func(got []string, p *audit.Plan) { ids = got; rerun <- p }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 40))
	tm.Send(DoneMsg{Report: report(results())})
	tm.Send(tea.KeyPressMsg{Code: 'o', Text: "o"})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "Ops questions") }, teatest.WithDuration(10*time.Second))
	tm.Type("Sentry pages Sam")
	for _, msg := range []tea.Msg{tea.KeyPressMsg{Code: tea.KeyEnter}, tea.KeyPressMsg{Code: '5', Text: "5"}, tea.KeyPressMsg{Code: tea.KeyEnter},
		tea.KeyPressMsg{Code: 'x', Text: "x"}, tea.KeyPressMsg{Code: tea.KeyEnter}, tea.KeyPressMsg{Code: tea.KeyEnter}, tea.KeyPressMsg{Code: tea.KeyEnter}} {
		time.Sleep(150 * time.Millisecond) // huh moves between fields through commands: one field at a time
		tm.Send(msg)
	}
	select {
	case p := <-rerun:
		if len(ids) != 5 || p.Ops.Monitoring != "Sentry pages Sam" || p.Ops.RollbackMinutes != 5 || len(p.Ops.MFA) != 1 {
			t.Errorf("re-run %v with ops %+v", ids, p.Ops)
		}
	case <-time.After(5 * time.Second):
		t.Error("the ops answers did not re-run the ops checks")
	}
	tm.Quit()
}

// The paste inbox asks for links over the running audit: two questions at once are asked one after the other, the
// answers reach the flows that asked, and esc gives up on one.
func TestPasteLinkPrompt(t *testing.T) {
	m := newModel(nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	for _, msg := range midAudit() {
		tm.Send(msg)
	}
	first, second := make(chan string, 1), make(chan string, 1)
	tm.Send(AskMsg{Prompt: "Open the mail the app just sent to qa+lr-reset-x@example.com and paste the link", Reply: first})
	tm.Send(AskMsg{Prompt: "Open the mail the app just sent to qa+lr-invite-y@example.com and paste the link", Reply: second})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "qa+lr-reset-x@example.com") }, teatest.WithDuration(10*time.Second))
	time.Sleep(150 * time.Millisecond)
	tm.Type("https://app.example/reset?token=abc")
	time.Sleep(150 * time.Millisecond)
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	select {
	case got := <-first:
		if got != "https://app.example/reset?token=abc" {
			t.Errorf("first answer %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first answer never came back")
	}
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "invite-y@example.com") }, teatest.WithDuration(10*time.Second))
	time.Sleep(150 * time.Millisecond)
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	select {
	case got := <-second:
		if got != "" {
			t.Errorf("esc answered %q, want nothing", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("esc did not answer the second question")
	}
	tm.Quit()
}
