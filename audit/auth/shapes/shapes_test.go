package shapes

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/auth"
	"github.com/launchready/launchready/audit/inbox"
	"github.com/launchready/launchready/audit/ratelimit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/testapps"
)

type check struct {
	id  string
	run func(context.Context, *audit.Target) audit.Result
}

// checks are run in this order, as the audit's phases would: the flows, then the bursts.
var checks = []check{
	{"auth.signup-flow", auth.SignupFlow},
	{"auth.email-verification", auth.EmailVerification},
	{"auth.password-policy", auth.PasswordPolicy},
	{"auth.reset-flow", auth.ResetFlow},
	{"auth.reset-token", auth.ResetToken},
	{"auth.reset-revokes-sessions", auth.ResetRevokesSessions},
	{"auth.user-enumeration", auth.UserEnumeration},
	{"ratelimit.signup", ratelimit.Signup},
	{"ratelimit.reset", ratelimit.Reset},
}

// target audits app actively with no paths in the plan: every page is found from the app's own links.
func target(t *testing.T, app *testapps.App) *audit.Target {
	t.Helper()
	plan := &audit.Plan{Name: app.Name, App: app.URL, Active: true,
		Accounts: audit.Accounts{A: &audit.Account{Email: app.A.Email, PasswordEnv: "PW_A"}, B: &audit.Account{Email: app.B.Email, PasswordEnv: "PW_B"}},
		Inbox:    audit.Inbox{Kind: "smtp", Listen: "127.0.0.1:0", Address: "qa@company.test", Timeout: audit.Duration(10 * time.Second)},
		TLS:      audit.TLS{Insecure: true}}
	plan.Limits.BurstWindow = audit.Duration(3 * time.Second) // paces the timed logins: 3 s of samples
	env := map[string]string{"PW_A": app.A.Password, "PW_B": app.B.Password}
	tg, err := audit.NewTarget(plan, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tg.Close)
	sink, err := tg.Inbox()
	if err != nil {
		t.Fatal(err)
	}
	app.DeliverTo(sink.(*inbox.Sink).Addr)
	return tg
}

// On forms that ask what real apps ask, the whole chain decides — sign-up → confirmation mail → login → reset mail →
// new password → old password refused — failing and passing as each app's mode says, with the app's own words
// quoted, the sign-up burst counting accepted attempts and the reset page found from the login page's link.
func TestFlowsOnRealForms(t *testing.T) {
	browsertest.Bin(t)
	type want struct {
		status audit.Status
		says   string // in the summary or the evidence
	}
	tests := []struct {
		name string
		app  func(testing.TB, testapps.Mode) *testapps.App
		mode testapps.Mode
		want map[string]want
	}{
		{"server forms, flawed", testapps.Portal, testapps.Flawed, map[string]want{
			"auth.signup-flow":            {audit.Pass, `Username = "lr-audit-`},
			"auth.email-verification":     {audit.Fail, "never confirmed logs in"},
			"auth.password-policy":        {audit.Warn, `"password"`},
			"auth.reset-flow":             {audit.Pass, "log in with the old password"},
			"auth.reset-token":            {audit.Fail, "second time"},
			"auth.reset-revokes-sessions": {audit.Fail, ""},
			"auth.user-enumeration":       {audit.Warn, "The email address is already used."},
			"ratelimit.signup":            {audit.Fail, "accepted"},
			"ratelimit.reset":             {audit.Fail, "POST /user/forgot_password"},
		}},
		{"server forms, fixed", testapps.Portal, testapps.Fixed, map[string]want{
			"auth.signup-flow":            {audit.Pass, "A new confirmation email has been sent"},
			"auth.email-verification":     {audit.Pass, "Your account is not activated"},
			"auth.password-policy":        {audit.Warn, `"password"`},
			"auth.reset-flow":             {audit.Pass, ""},
			"auth.reset-token":            {audit.Pass, ""},
			"auth.reset-revokes-sessions": {audit.Pass, ""},
			"auth.user-enumeration":       {audit.Pass, "sign-up"},
			"ratelimit.signup":            {audit.Pass, "429"},
			"ratelimit.reset":             {audit.Pass, "POST /user/forgot_password"},
		}},
		{"single-page app, flawed", testapps.PortalSPA, testapps.Flawed, map[string]want{
			"auth.signup-flow":            {audit.Pass, "Handle may only contain lowercase letters and numbers"},
			"auth.email-verification":     {audit.Fail, ""},
			"auth.password-policy":        {audit.Pass, ""},
			"auth.reset-flow":             {audit.Pass, ""},
			"auth.reset-token":            {audit.Fail, "second time"},
			"auth.reset-revokes-sessions": {audit.Fail, ""},
			"auth.user-enumeration":       {audit.Warn, "An account with this email already exists."},
			"ratelimit.signup":            {audit.Fail, "accepted"},
			"ratelimit.reset":             {audit.Fail, "POST /api/forgot"},
		}},
		{"single-page app, fixed", testapps.PortalSPA, testapps.Fixed, map[string]want{
			"auth.signup-flow":        {audit.Pass, "adjust"},
			"auth.email-verification": {audit.Pass, ""},
			// The page refuses both before sending (minlength 10); sent straight to the API they meet the
			// sign-up limit the earlier sign-ups used up: what the server does with them is not seen.
			"auth.password-policy":        {audit.Inconclusive, "sent straight to POST /api/signup: answered 429"},
			"auth.reset-flow":             {audit.Pass, ""},
			"auth.reset-token":            {audit.Pass, ""},
			"auth.reset-revokes-sessions": {audit.Pass, ""},
			"auth.user-enumeration":       {audit.Pass, "sign-up"},
			"ratelimit.signup":            {audit.Pass, "429"},
			"ratelimit.reset":             {audit.Pass, "POST /api/forgot"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			app := tt.app(t, tt.mode)
			tg := target(t, app)
			for _, c := range checks {
				got := c.run(t.Context(), tg)
				w := tt.want[c.id]
				t.Logf("%s: %s %s", c.id, got.Status, got.Summary)
				text := got.Summary + evidenceText(got)
				if got.Status != w.status || !strings.Contains(text, w.says) {
					t.Errorf("%s: got %s %q, want %s saying %q", c.id, got.Status, got.Summary, w.status, w.says)
					for _, ev := range got.Evidence {
						t.Logf("    %s: %s", ev.Label, ev.Excerpt)
					}
				}
				if strings.Contains(got.Summary, `error shown "Username"`) {
					t.Errorf("%s quotes a label as the app's error: %q", c.id, got.Summary)
				}
			}
		})
	}
}

func evidenceText(r audit.Result) string {
	var b strings.Builder
	for _, ev := range r.Evidence {
		b.WriteString(" " + ev.Label + ": " + ev.Excerpt)
	}
	return b.String()
}
