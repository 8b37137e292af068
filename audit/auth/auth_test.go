package auth_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/auth"
	"github.com/launchready/launchready/audit/checks"
	"github.com/launchready/launchready/audit/email"
	"github.com/launchready/launchready/audit/inbox"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
	"github.com/launchready/launchready/reports"
)

type checkFunc = func(context.Context, *audit.Target) audit.Result

// flowChecks are the checks of issue #7, in the order the flows feed them.
var flowChecks = []struct {
	id  string
	run checkFunc
}{
	{"auth.signup-flow", auth.SignupFlow},
	{"auth.email-verification", auth.EmailVerification},
	{"auth.password-policy", auth.PasswordPolicy},
	{"auth.reset-flow", auth.ResetFlow},
	{"auth.reset-token", auth.ResetToken},
	{"auth.reset-revokes-sessions", auth.ResetRevokesSessions},
	{"auth.invite-token", auth.InviteToken},
	{"auth.user-enumeration", auth.UserEnumeration},
	{"email.delivery", email.Delivery},
}

// activePlan starts the demo and audits it actively with the plan changed by edit first.
func activePlan(t *testing.T, flaws demo.Flaws, edit func(*audit.Plan)) *audit.Target {
	t.Helper()
	srv := demotest.Start(t, flaws)
	plan, err := srv.Plan("edited")
	if err != nil {
		t.Fatal(err)
	}
	plan.Active = true
	edit(plan)
	target, err := audit.NewTarget(plan, srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	return target
}

// The flows on the real demo, the real Chromium and the real SMTP sink: every check fails (or warns) with the
// account-flow flaws on, and passes on the hardened demo; single flaws fail their own check and no other.
func TestFlowsOnDemo(t *testing.T) {
	browsertest.Bin(t)
	accountFlaws := demotest.Only(demo.FlawNoVerification, demo.FlawWeakPasswords, demo.FlawEnumeration, demo.FlawShortResetCode,
		demo.FlawResetReusable, demo.FlawResetKeepsSessions, demo.FlawResetLeaksToken, demo.FlawInviteReusable,
		demo.FlawInviteDuplicate, demo.FlawLocalhostLinks, demo.FlawOldPasswordWorks, demo.FlawWeakDKIM)
	// The hardened demo's flows all passing is asserted by cmd/launchready's demo golden (every check's status), and
	// the pass side on an app unlike the demo by TestFlowsOnOtherApp: not run a third time here.
	tests := []struct {
		name  string
		flaws demo.Flaws
		want  map[string]audit.Status // checks not named must pass
		says  map[string]string       // a word the summary must hold
	}{
		{"every account-flow flaw", accountFlaws, map[string]audit.Status{
			"auth.signup-flow": audit.Fail, "auth.email-verification": audit.Fail, "auth.password-policy": audit.Warn,
			"auth.reset-flow": audit.Fail, "auth.reset-token": audit.Fail, "auth.reset-revokes-sessions": audit.Fail,
			"auth.invite-token": audit.Fail, "auth.user-enumeration": audit.Warn, "email.delivery": audit.Fail,
		}, map[string]string{
			"auth.signup-flow": "localhost:3000", "auth.reset-token": "20 bits", "auth.invite-token": "second membership",
			"auth.user-enumeration": "password reset", "email.delivery": "does not verify",
		}},
		{"short reset code only", demotest.Only(demo.FlawShortResetCode), map[string]audit.Status{"auth.reset-token": audit.Fail},
			map[string]string{"auth.reset-token": "6 digits"}},
		{"reset keeps sessions only", demotest.Only(demo.FlawResetKeepsSessions), map[string]audit.Status{"auth.reset-revokes-sessions": audit.Fail}, nil},
		{"shareable invite only", demotest.Only(demo.FlawInviteReusable), map[string]audit.Status{"auth.invite-token": audit.Fail},
			map[string]string{"auth.invite-token": "second time"}},
		{"verification not required only", demotest.Only(demo.FlawNoVerification), map[string]audit.Status{
			"auth.email-verification": audit.Fail,
			// A new address is logged in at once while a known one is told to check its mail: that tells them apart.
			"auth.user-enumeration": audit.Warn}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, target := demotest.Active(t, tt.flaws)
			results := runFlowChecks(t, target)
			for i, c := range flowChecks {
				got := results[i]
				want, ok := tt.want[c.id]
				if !ok {
					want = audit.Pass
				}
				if got.Status != want || len(got.Evidence) == 0 {
					t.Errorf("%s: got %s %q (%d evidence), want %s with evidence", c.id, got.Status, got.Summary, len(got.Evidence), want)
					for _, ev := range got.Evidence {
						t.Logf("    %s: %s", ev.Label, ev.Excerpt)
					}
				}
				if word := tt.says[c.id]; word != "" && !strings.Contains(got.Summary+evidenceText(got), word) {
					t.Errorf("%s: neither summary %q nor evidence says %q", c.id, got.Summary, word)
				}
			}
		})
	}
}

// runFlowChecks runs the flow checks one after another and returns their results in flowChecks' order. (Run
// concurrently, as the runner does, they take half the time, but under -race on two cores the browser steps of
// several flows at once miss their own timeouts.)
func runFlowChecks(t *testing.T, target *audit.Target) []audit.Result {
	quickTiming(target)
	results := make([]audit.Result, len(flowChecks))
	for i, c := range flowChecks {
		results[i] = c.run(t.Context(), target)
	}
	return results
}

// quickTiming tightens the plan's burst window, which spaces auth.user-enumeration's bursts of timed logins: 2 s
// between them instead of 10 (TestTimingIsPaced checks the pacing itself).
func quickTiming(target *audit.Target) {
	target.Plan.Limits.BurstWindow = audit.Duration(2 * time.Second)
}

// The enumeration's reset pair takes the reset flow's own request as the known address's answer; with every
// reset check left out by the plan it asks for the sign-up account's reset itself, and starts no reset flow.
func TestEnumerationWithoutTheResetFlow(t *testing.T) {
	browsertest.Bin(t)
	_, target := demotest.Active(t, demotest.Only(demo.FlawEnumeration))
	target.Plan.Skip = []string{"auth.reset-flow", "auth.reset-token", "auth.reset-revokes-sessions"}
	quickTiming(target)
	got := auth.UserEnumeration(t.Context(), target)
	if got.Status != audit.Warn || !strings.Contains(got.Summary, "password reset") {
		t.Errorf("got %s %q, want a warn that names the password reset", got.Status, got.Summary)
	}
	if !strings.Contains(evidenceText(got), "password reset with an address that has an account: answer 200") {
		t.Errorf("the reset pair's known side was not compared:%s", evidenceText(got))
	}
	if sent := target.Ledger.By()["password-reset flow"]; sent.Total() > 0 {
		t.Errorf("the reset flow ran (%d HTTP, %d browser requests) though the plan skips every check it serves", sent.HTTP, sent.Browser)
	}
}

func evidenceText(r audit.Result) string {
	var b strings.Builder
	for _, ev := range r.Evidence {
		b.WriteString(" " + ev.Label + ": " + ev.Excerpt)
	}
	return b.String()
}

// No reset, verification or invite token reaches the JSON or markdown report, whatever the flaws.
func TestNoTokenInReports(t *testing.T) {
	browsertest.Bin(t)
	srv, target := demotest.Active(t, demo.Flawed())
	quickTiming(target)
	var list []audit.Check
	for _, c := range checks.All() { // with their phases: email.delivery reads the mail after the flows
		if strings.HasPrefix(c.Entry.ID, "auth.") || c.Entry.ID == "email.delivery" {
			list = append(list, c)
		}
	}
	events := make(chan audit.Event, 64)
	go func() {
		for range events {
		}
	}()
	rep := (&audit.Runner{Checks: list}).Run(t.Context(), target, events)
	for _, r := range rep.Results {
		if r.Status != audit.Fail && r.Status != audit.Warn {
			t.Errorf("%s on the flawed demo: %s %q", r.ID, r.Status, r.Summary)
		}
	}
	var out bytes.Buffer
	reports.JSON{}.Write(&out, rep)
	reports.Markdown{}.Write(&out, rep)
	mail := srv.Outbox()
	if len(mail) < 4 {
		t.Fatalf("the demo sent %d mails; the flows should have made it send at least 4", len(mail))
	}
	for _, m := range mail {
		u, err := url.Parse(m.Body)
		if err != nil {
			t.Fatal(err)
		}
		secret := u.Query().Get("token")
		if secret == "" {
			secret = u.Path[strings.LastIndex(u.Path, "/")+1:]
		}
		if bytes.Contains(out.Bytes(), []byte(secret)) {
			t.Errorf("the token of %q (%d chars) is in the report", m.Subject, len(secret))
		}
		if bytes.Contains(out.Bytes(), []byte(m.Body)) {
			t.Errorf("the link of %q is in the report", m.Subject)
		}
	}
	for _, r := range rep.Results {
		for _, ev := range r.Evidence {
			if strings.Contains(ev.Excerpt, "Lr-") {
				t.Errorf("%s: a password the audit made shows in the evidence: %s", r.ID, ev.Excerpt)
			}
		}
	}
}

// Without active: true, without an inbox, or with a mailbox that never receives, the flows say so and nothing
// is written to the app.
func TestFlowsWithoutWhatTheyNeed(t *testing.T) {
	t.Run("passive plan", func(t *testing.T) {
		srv := demotest.Start(t, demo.Hardened())
		target := demotest.Target(t, demo.Hardened())
		for _, c := range flowChecks[:7] {
			got := c.run(t.Context(), target)
			if got.Status != audit.Skipped || !strings.Contains(got.Summary, "set active: true in the plan to run the sign-up, reset and invite flows") {
				t.Errorf("%s: %s %q", c.id, got.Status, got.Summary)
			}
		}
		if srv.Writes() != 0 {
			t.Errorf("a passive audit wrote %d times", srv.Writes())
		}
	})
	t.Run("no inbox", func(t *testing.T) {
		target := activePlan(t, demo.Hardened(), func(p *audit.Plan) { p.Inbox = audit.Inbox{} })
		var all []audit.Result
		for _, c := range flowChecks {
			got := c.run(t.Context(), target)
			e, _ := audit.Lookup(c.id)
			got.ID, got.Area = c.id, e.Area
			all = append(all, got)
			if c.id == "auth.user-enumeration" { // login and reset answers need no mail
				if strings.Contains(got.Summary, "sign-up") {
					t.Errorf("%s compared sign-ups without an inbox: %q", c.id, got.Summary)
				}
				continue
			}
			if got.Status != audit.Skipped || !strings.Contains(got.Summary, "inbox") {
				t.Errorf("%s: %s %q", c.id, got.Status, got.Summary)
			}
		}
		// One check decided, the rest could not run without an inbox: the area is never a green pass.
		for _, row := range audit.Scorecard(all) {
			if row.ID == "auth" && (row.Status != audit.Incomplete || !strings.Contains(row.Undecided, "inbox")) {
				t.Errorf("the sign-up area without an inbox: %s (%s)", row.Status, row.Undecided)
			}
		}
	})
	t.Run("mailbox that never receives", func(t *testing.T) {
		browsertest.Bin(t)
		target := activePlan(t, demo.Hardened(), func(p *audit.Plan) {
			p.Inbox.Listen = "127.0.0.1:0" // a sink the demo does not send to
			p.Inbox.Timeout = audit.Duration(time.Second)
		})
		start := time.Now()
		got := auth.SignupFlow(t.Context(), target)
		if got.Status != audit.Inconclusive || !strings.Contains(got.Summary, "never arrived") {
			t.Errorf("signup-flow: %s %q", got.Status, got.Summary)
		}
		if got := auth.ResetFlow(t.Context(), target); got.Status != audit.Inconclusive {
			t.Errorf("reset-flow: %s %q", got.Status, got.Summary)
		}
		if got := email.Delivery(t.Context(), target); got.Status != audit.Inconclusive {
			t.Errorf("email.delivery: %s %q", got.Status, got.Summary)
		}
		if time.Since(start) > time.Minute {
			t.Errorf("the flows took %s to give up on a 1 s inbox timeout", time.Since(start))
		}
	})
}

// The same flows on notesApp, a fixture unlike the demo: nothing of the demo's markup, paths or mail is assumed.
func TestFlowsOnOtherApp(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name  string
		weak  bool
		shape func(*notesApp)         // where the forms are when not on pages the app links (nil: all linked)
		want  map[string]audit.Status // checks not named must pass
		says  map[string]string
	}{
		{"careful app", false, nil, map[string]audit.Status{"email.delivery": audit.Fail},
			map[string]string{"auth.user-enumeration": "login, password reset, sign-up", "email.delivery": "no DKIM signature",
				"auth.invite-token": "This invitation is for another address"}},
		{"careless app", true, nil, map[string]audit.Status{"email.delivery": audit.Fail, "auth.email-verification": audit.Fail,
			"auth.reset-token": audit.Fail, "auth.user-enumeration": audit.Warn, "auth.invite-token": audit.Fail},
			map[string]string{"auth.user-enumeration": "login:", "auth.reset-token": "second time",
				"auth.invite-token": "accepted an invitation addressed to someone else"}},
		{"careless app, sign-up in a dialog, reset and invite behind buttons", true,
			func(a *notesApp) { a.signupDialog, a.recoverButton, a.inviteDialog = true, true, true },
			map[string]audit.Status{"email.delivery": audit.Fail, "auth.email-verification": audit.Fail,
				"auth.reset-token": audit.Fail, "auth.user-enumeration": audit.Warn, "auth.invite-token": audit.Fail},
			map[string]string{"auth.user-enumeration": "password reset:", "auth.signup-flow": "a button on it shows", "auth.reset-flow": "a button on it shows",
				"auth.invite-token": "accepted an invitation addressed to someone else"}},
		{"careful app, Supabase Auth UI-style links to views", false, func(a *notesApp) { a.authAnchors = true },
			map[string]audit.Status{"email.delivery": audit.Fail},
			map[string]string{"auth.user-enumeration": "login, password reset, sign-up", "auth.signup-flow": "a button on it shows"}},
		// The confirmation page asks for the account's password, as Gitea's activation page does, or for a button
		// to be pressed: opening the link confirms nothing, and the flow finishes the page as its user would.
		{"careful app, confirmation asks for the password", false, func(a *notesApp) { a.confirmBy = "password" },
			map[string]audit.Status{"email.delivery": audit.Fail},
			map[string]string{"auth.signup-flow": "asks for the account's password", "auth.email-verification": "expired"}},
		{"careless app, confirmation by a button", true, func(a *notesApp) { a.confirmBy = "button" },
			map[string]audit.Status{"email.delivery": audit.Fail, "auth.email-verification": audit.Fail,
				"auth.reset-token": audit.Fail, "auth.user-enumeration": audit.Warn, "auth.invite-token": audit.Fail},
			map[string]string{"auth.signup-flow": "pressed its button", "auth.email-verification": "second time"}},
		// One mail per account per three minutes, said in a plain paragraph: the reset request right after the
		// sign-up's confirmation mail sends nothing, which is no fault of the reset and no reason to wait for a mail.
		{"careful app, one mail per account per three minutes, said", false, func(a *notesApp) { a.mailEvery = "said" },
			map[string]audit.Status{"email.delivery": audit.Fail, "auth.reset-flow": audit.Inconclusive,
				"auth.reset-token": audit.Inconclusive, "auth.reset-revokes-sessions": audit.Inconclusive},
			map[string]string{"auth.reset-flow": "Please wait 3 minutes", "auth.user-enumeration": "login, sign-up"}},
		{"careful app, one mail per account per three minutes, not a word", false, func(a *notesApp) { a.mailEvery = "silent" },
			map[string]audit.Status{"email.delivery": audit.Fail, "auth.reset-flow": audit.Inconclusive,
				"auth.reset-token": audit.Inconclusive, "auth.reset-revokes-sessions": audit.Inconclusive},
			map[string]string{"auth.reset-flow": "did not take the reset request"}},
		{"careful app, every form in a sign-in dialog", false, func(a *notesApp) { a.modalAuth = true },
			map[string]audit.Status{"email.delivery": audit.Fail},
			map[string]string{"auth.user-enumeration": "login, password reset, sign-up", "auth.signup-flow": "a button on it shows",
				"auth.reset-flow": "a button on it shows"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := notesTarget(t, tt.weak, tt.shape)
			results := runFlowChecks(t, target)
			for i, c := range flowChecks {
				got := results[i]
				want, ok := tt.want[c.id]
				if !ok {
					want = audit.Pass
				}
				if got.Status != want {
					t.Errorf("%s: got %s %q, want %s", c.id, got.Status, got.Summary, want)
					for _, ev := range got.Evidence {
						t.Logf("    %s: %s", ev.Label, ev.Excerpt)
					}
				}
				if word := tt.says[c.id]; word != "" && !strings.Contains(got.Summary+evidenceText(got), word) {
					t.Errorf("%s: neither summary %q nor evidence says %q", c.id, got.Summary, word)
				}
			}
		})
	}
}

// A "Sign up" button that shows nothing leaves the sign-in form on the page: that form is never sent as the
// sign-up (it was found by the sign-up finder, a form with a password, and the app's "wrong password" answer was
// read as the sign-up refused: "new users hit a dead end"). Neither is it learnt as the sign-up request.
func TestASignUpButtonThatShowsNothing(t *testing.T) {
	browsertest.Bin(t)
	target := notesTarget(t, false, func(a *notesApp) { a.deadSignup = true })
	if got := auth.SignupFlow(t.Context(), target); got.Status != audit.Inconclusive || !strings.Contains(got.Summary, "no button that opens its form") {
		t.Errorf("signup-flow: %s %q, want inconclusive: no sign-up form found", got.Status, got.Summary)
	}
	if form, err := target.Form(t.Context(), account.Signup); err == nil {
		t.Errorf("learnt %s as the sign-up request, want none", form.Endpoint())
	}
}

// The requests the bursts replay are learnt from forms that buttons show, as the flows find them: the sign-up in a
// dialog, the reset request in place of the sign-in fields, either one inside a sign-in dialog, the invite behind
// an "Invite members" button ("no form found in the browser" before).
func TestFormsBehindButtonsAreLearnt(t *testing.T) {
	browsertest.Bin(t)
	for _, tt := range []struct {
		name  string
		shape func(*notesApp)
	}{
		{"buttons on the pages", func(a *notesApp) { a.signupDialog, a.recoverButton, a.inviteDialog = true, true, true }},
		{"inside a sign-in dialog", func(a *notesApp) { a.modalAuth, a.inviteDialog = true, true }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target := notesTarget(t, false, tt.shape)
			for kind, want := range map[account.Kind]string{account.Signup: "POST /api/users", account.Reset: "POST /api/recover"} {
				form, err := target.Form(t.Context(), kind)
				if err != nil || form.Endpoint() != want {
					t.Errorf("%s form: %v, %v; want %s", kind, form, err, want)
				}
			}
			// The invite form A's team page shows once its "Invite members" button is clicked.
			a, err := target.Login(t.Context(), "a")
			if err != nil {
				t.Fatal(err)
			}
			if form, err := target.InviteForm(t.Context(), a, "qa+lr-invite-learn@company.test"); err != nil || form.Endpoint() != "POST /api/invites" {
				t.Errorf("invite form: %v, %v; want POST /api/invites", form, err)
			}
		})
	}
}

// notesTarget starts notesApp (weak: with its flaws), lets edit set its limits, and returns an active target for it
// whose inbox the app mails.
func notesTarget(t *testing.T, weak bool, edit func(*notesApp)) *audit.Target {
	t.Helper()
	passwords := map[string]string{"olga@notes.test": "olga-password-1234", "pete@notes.test": "pete-password-5678"}
	srv, app := startNotes(t, weak, passwords)
	if edit != nil {
		edit(app)
	}
	plan := &audit.Plan{Name: "notes", App: srv.URL + "/", Active: true,
		Accounts: audit.Accounts{A: &audit.Account{Email: "olga@notes.test", PasswordEnv: "OLGA"}, B: &audit.Account{Email: "pete@notes.test", PasswordEnv: "PETE"}},
		Inbox:    audit.Inbox{Kind: "smtp", Listen: "127.0.0.1:0", Address: "qa@company.test", Timeout: audit.Duration(10 * time.Second)}}
	env := map[string]string{"OLGA": passwords["olga@notes.test"], "PETE": passwords["pete@notes.test"]}
	target, err := audit.NewTarget(plan, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	sink, err := target.Inbox() // listening since NewTarget, on a port of its own
	if err != nil {
		t.Fatal(err)
	}
	app.deliverTo(sink.(*inbox.Sink).Addr)
	return target
}

// A weak password refused by a limit on sign-ups (429, "Too many sign-ups") proves nothing about the password
// policy: inconclusive, never a pass, on an app that refuses weak passwords and on one that takes them.
func TestWeakPasswordsRefusedByALimit(t *testing.T) {
	browsertest.Bin(t)
	for _, weak := range []bool{false, true} {
		t.Run(fmt.Sprintf("weak=%v", weak), func(t *testing.T) {
			t.Parallel()
			target := notesTarget(t, weak, func(a *notesApp) { a.signupLimit = 1 }) // the sign-up flow's own sign-up, then 429
			got := auth.PasswordPolicy(t.Context(), target)
			if got.Status != audit.Inconclusive || !strings.Contains(got.Summary, "limit") {
				t.Errorf("got %s %q, want inconclusive for the limit", got.Status, got.Summary)
			}
			// The same sign-ups answered by a server error instead: no verdict on the password either.
			target = notesTarget(t, weak, func(a *notesApp) { a.signupLimit, a.faults = 1, true })
			got = auth.PasswordPolicy(t.Context(), target)
			if got.Status != audit.Inconclusive || !strings.Contains(got.Summary, "server error") {
				t.Errorf("failing: got %s %q, want inconclusive for the server error", got.Status, got.Summary)
			}
		})
	}
}

// An answer refused by a limit ("Too many attempts", 429), or a server error in its place, says nothing about the
// account, its password or the link: a check that would have passed on that refusal is inconclusive instead.
func TestRefusedByALimit(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name  string
		limit func(*notesApp)
		check checkFunc
	}{
		{"the unconfirmed account's login", func(a *notesApp) { a.limitUnconfirmed = true }, auth.EmailVerification},
		{"the old password's login after the reset", func(a *notesApp) { a.limitAfterReset = true }, auth.ResetFlow},
		{"the confirmation link's second use", func(a *notesApp) { a.limitReuse = true }, auth.EmailVerification},
		{"the reset link's second use", func(a *notesApp) { a.limitReuse = true }, auth.ResetToken},
		{"the invite link's second use", func(a *notesApp) { a.limitReuse = true }, auth.InviteToken},
		{"B accepting an invite for someone else", func(a *notesApp) { a.limitAcceptOthers = true }, auth.InviteToken},
	}
	for _, tt := range tests {
		for _, faults := range []bool{false, true} {
			name, word := tt.name+", limited", "limit"
			if faults {
				name, word = tt.name+", the app failing (500)", ""
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				target := notesTarget(t, false, func(a *notesApp) { tt.limit(a); a.faults = faults })
				got := tt.check(t.Context(), target)
				if got.Status != audit.Inconclusive || !strings.Contains(got.Summary, word) {
					t.Errorf("got %s %q, want inconclusive (%q)", got.Status, got.Summary, word)
					for _, ev := range got.Evidence {
						t.Logf("    %s: %s", ev.Label, ev.Excerpt)
					}
				}
			})
		}
	}
}

// Login, reset and sign-up answers that a limit or a failing server gave say nothing about which
// addresses have an account: the enumeration is inconclusive, on an app that tells them apart and on one that does
// not, never a pass.
func TestEnumerationAnsweredByALimit(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name         string
		weak, faults bool
		word         string
	}{
		{"a limit in front of the careful app", false, false, "a limit answered"},
		{"a failing server in front of the careless app", true, true, "the app failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The sign-up flow's own sign-up goes through; the enumeration's, with the known address, is limited.
			target := notesTarget(t, tt.weak, func(a *notesApp) { a.limitFailures, a.signupLimit, a.faults = true, 1, tt.faults })
			quickTiming(target)
			got := auth.UserEnumeration(t.Context(), target)
			if got.Status != audit.Inconclusive || !strings.Contains(got.Summary, tt.word) {
				t.Errorf("got %s %q, want inconclusive (%q)", got.Status, got.Summary, tt.word)
				for _, ev := range got.Evidence {
					t.Logf("    %s: %s", ev.Label, ev.Excerpt)
				}
			}
		})
	}
}

// An app that locks an account after a few failed logins (Node-RED: 5 in 10 minutes, then 500 "Too many login
// attempts") leaves too few timed samples to judge, and the login answers are the same in what they say: the
// limit is the app's own answer to a script timing logins, and the pass says the time was not judged.
func TestEnumerationTimingCutShortByALockout(t *testing.T) {
	browsertest.Bin(t)
	target := notesTarget(t, false, func(a *notesApp) { a.lockAfter = 3 })
	target.Plan.Active = false
	quickTiming(target)
	got := auth.UserEnumeration(t.Context(), target)
	if got.Status != audit.Pass || !strings.Contains(got.Summary, "timing was not judged") || !strings.Contains(got.Summary, "limits failed logins") {
		t.Errorf("got %s %q, want a pass that says the lockout cut the timing short", got.Status, got.Summary)
		for _, ev := range got.Evidence {
			t.Logf("    %s: %s", ev.Label, ev.Excerpt)
		}
	}
}

// On an app that keeps one session per account, the login with the new password ends the session from before the
// reset whatever the reset did: the old session is tried before that login, so a reset that ends no session fails.
func TestResetRevokesSessionsBeforeTheNextLogin(t *testing.T) {
	browsertest.Bin(t)
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("keepSessions=%v", keep), func(t *testing.T) {
			t.Parallel()
			target := notesTarget(t, false, func(a *notesApp) { a.oneSession, a.keepSessions = true, keep })
			got := auth.ResetRevokesSessions(t.Context(), target)
			want := audit.Pass
			if keep {
				want = audit.Fail
			}
			if got.Status != want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, want)
			}
		})
	}
}

// A password policy only the page enforces (a script refusing short passwords before sending them) is no policy
// for a bot that posts to the API: the weak passwords go straight to the sign-up endpoint, and the server taking
// them is a warn, where the page's refusal passed.
func TestPasswordPolicyOnlyInThePage(t *testing.T) {
	browsertest.Bin(t)
	target := notesTarget(t, false, func(a *notesApp) { a.clientOnlyPolicy = true })
	got := auth.PasswordPolicy(t.Context(), target)
	if got.Status != audit.Warn || !strings.Contains(got.Summary, "123456") || !strings.Contains(evidenceText(got), "sent straight to POST /api/users") {
		t.Errorf("got %s %q, want a warn: the server takes the weak passwords the page refuses", got.Status, got.Summary)
		for _, ev := range got.Evidence {
			t.Logf("    %s: %s", ev.Label, ev.Excerpt)
		}
	}
}

// The server refusing one weak password says nothing of the other: with 123456 refused by the server's length
// rule and "password" refused by the page alone, and the server failing when "password" is sent to it directly,
// whether the server takes "password" is not known. That passed as "the server refuses 123456".
func TestPasswordPolicyOneRefusalIsNotBoth(t *testing.T) {
	t.Parallel()
	browsertest.Bin(t)
	target := notesTarget(t, false, func(a *notesApp) { a.clientRefusesCommon = true })
	got := auth.PasswordPolicy(t.Context(), target)
	wantResult(t, got, audit.Inconclusive, `the server refuses ["123456"]`, `"password"`, "sent straight to POST /api/users")
}

// wantResult fails the test unless got has the status and every text in its summary or evidence, and shows what
// the check saw when it does not.
func wantResult(t *testing.T, got audit.Result, status audit.Status, texts ...string) {
	t.Helper()
	ok := got.Status == status
	for _, text := range texts {
		ok = ok && strings.Contains(got.Summary+evidenceText(got), text)
	}
	if !ok {
		t.Errorf("got %s %q, want %s saying %q", got.Status, got.Summary, status, texts)
		for _, ev := range got.Evidence {
			t.Logf("    %s: %s", ev.Label, ev.Excerpt)
		}
	}
}

// A reset token, invite code or confirmation link made of the address and the time is guessable however long it
// is: its 50-odd base64 characters counted as 300 bits, and a single-use link with it passed (the confirmation
// link's token was not looked at: anyone could confirm an address not theirs).
func TestBuiltTokensAreNotRandom(t *testing.T) {
	t.Parallel()
	browsertest.Bin(t)
	for _, c := range []struct {
		id    string
		check func(context.Context, *audit.Target) audit.Result
	}{{"auth.reset-token", auth.ResetToken}, {"auth.invite-token", auth.InviteToken}, {"auth.email-verification", auth.EmailVerification}} {
		t.Run(c.id, func(t *testing.T) {
			t.Parallel()
			target := notesTarget(t, false, func(a *notesApp) { a.builtTokens = true })
			wantResult(t, c.check(t.Context(), target), audit.Fail, "not random: it is encoded text, not random bytes, an email address", "whoever learns how it is made")
		})
	}
}

// How long the reset mail says its link works: 20 minutes passes, 3 hours (Gitea's default) is a warn, not the
// fail of a reusable link. "within 3 hours" was not read as a lifetime at all, and the link passed.
func TestResetLinkLifetimeFromTheMail(t *testing.T) {
	t.Parallel()
	browsertest.Bin(t)
	for _, tt := range []struct {
		life string
		want audit.Status
		says string
	}{{"", audit.Pass, "the mail says the link works for 20m0s"}, {"3 hours", audit.Warn, "the link works for 3h0m0s, longer than 1h0m0s"}} {
		t.Run(cmp.Or(tt.life, "20 minutes"), func(t *testing.T) {
			t.Parallel()
			target := notesTarget(t, false, func(a *notesApp) { a.resetLife = tt.life })
			wantResult(t, auth.ResetToken(t.Context(), target), tt.want, tt.says)
		})
	}
}
