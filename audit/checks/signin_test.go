package checks

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/inbox"
	"github.com/launchready/launchready/browser"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/reports"
	"github.com/launchready/launchready/testapps"
)

// signInChecks are the checks that need both accounts signed in: on apps whose login the audit cannot type, they
// must still decide.
var signInChecks = []string{
	"authz.idor-read", "authz.unauthenticated", "authz.id-swap-params", "authz.predictable-ids",
	"session.cookie-flags", "session.token-storage", "session.expiry", "session.token-strength", "session.rotation",
	"session.logout-invalidates",
}

// signInAudit is one login app audited the way its plan says it signs in, with the secrets that must never come out.
type signInAudit struct {
	plan    *audit.Plan
	env     map[string]string
	secrets []string // what no output may hold
	prepare func(*audit.Target)
}

// How each login app is audited: SSO through the identity provider on a second host (auth_hosts), magic links from
// the SMTP sink, a TOTP step typed from the secret, and a bearer-token SPA from storage_state files only.
func signInPlan(t *testing.T, a *testapps.LoginApp) *signInAudit {
	t.Helper()
	plan := &audit.Plan{Name: a.Name, App: a.URL, TLS: audit.TLS{Insecure: true}}
	s := &signInAudit{plan: plan, env: map[string]string{}}
	password := func() {
		plan.Accounts = audit.Accounts{A: &audit.Account{Email: a.A.Email, PasswordEnv: "LR_A"}, B: &audit.Account{Email: a.B.Email, PasswordEnv: "LR_B"}}
		s.env["LR_A"], s.env["LR_B"] = a.A.Password, a.B.Password
		s.secrets = append(s.secrets, a.A.Password, a.B.Password)
	}
	switch a.Name {
	case "sso":
		password()
		u, _ := url.Parse(a.IdPURL)
		_, port, _ := net.SplitHostPort(a.IdPAddr)
		plan.AuthHosts = []string{u.Hostname()}
		plan.Resolve = []string{u.Hostname() + ":" + port + ":127.0.0.1"}
	case "totp":
		password()
		plan.Accounts.A.TOTPEnv, plan.Accounts.B.TOTPEnv = "LR_A_TOTP", "LR_B_TOTP"
		s.env["LR_A_TOTP"], s.env["LR_B_TOTP"] = a.TOTPSecret[a.A.Email], a.TOTPSecret[a.B.Email]
		s.secrets = append(s.secrets, a.TOTPSecret[a.A.Email], a.TOTPSecret[a.B.Email])
	case "magic", "codes":
		plan.Accounts = audit.Accounts{A: &audit.Account{Email: a.A.Email, Login: audit.LoginMagicLink}, B: &audit.Account{Email: a.B.Email, Login: audit.LoginMagicLink}}
		plan.Inbox = audit.Inbox{Kind: "smtp", Listen: "127.0.0.1:0", Timeout: audit.Duration(10 * time.Second)}
		s.prepare = func(tg *audit.Target) {
			sink, err := tg.Inbox()
			if err != nil {
				t.Fatal(err)
			}
			a.DeliverTo(sink.(*inbox.Sink).Addr)
		}
	case "bearer":
		dir := t.TempDir()
		plan.Accounts = audit.Accounts{A: &audit.Account{Email: a.A.Email, StorageState: filepath.Join(dir, "a.json")},
			B: &audit.Account{Email: a.B.Email, StorageState: filepath.Join(dir, "b.json")}}
		for _, acc := range []*audit.Account{plan.Accounts.A, plan.Accounts.B} {
			data := a.StorageState(acc.Email)
			if err := os.WriteFile(acc.StorageState, data, 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := browser.ReadState(acc.StorageState)
			if err != nil {
				t.Fatal(err)
			}
			s.secrets = append(s.secrets, st.Secrets()...)
		}
	}
	return s
}

// TestLoginsTheAuditCannotType audits apps whose login is no form to fill — single sign-on on another host, magic
// links, a TOTP step, a bearer-token SPA known only from saved sessions — flawed and fixed: the ID swap and the
// session checks decide on each (never "could not log in"), fail on the flawed app and pass on the fixed one, the
// identity provider gets nothing but the browser's sign-in, and no saved session, TOTP secret or sign-in link
// comes out in the report.
func TestLoginsTheAuditCannotType(t *testing.T) {
	browsertest.Bin(t)
	apps := []struct {
		name string
		make func(testing.TB, testapps.Mode) *testapps.LoginApp
	}{{"sso", testapps.SSOApp}, {"magic", testapps.MagicLinkApp}, {"codes", testapps.EmailCodeApp}, {"totp", testapps.TOTPApp}, {"bearer", testapps.BearerSPA}}
	for _, app := range apps {
		for _, mode := range []testapps.Mode{testapps.Flawed, testapps.Fixed} {
			t.Run(app.name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				a := app.make(t, mode)
				s := signInPlan(t, a)
				rep, target := runSignIn(t, s)
				res := map[string]audit.Result{}
				for _, r := range rep.Results {
					res[r.ID] = r
					t.Logf("%s %s: %s", r.ID, r.Status, r.Summary)
					if strings.Contains(r.Summary, "could not log in") || strings.Contains(r.Summary, "signing in") {
						t.Errorf("%s did not decide: %s %q", r.ID, r.Status, r.Summary)
					}
				}
				want := map[string]audit.Status{"authz.idor-read": audit.Pass, "session.logout-invalidates": audit.Pass, "session.token-strength": audit.Pass}
				if a.Name != "bearer" {
					want["session.cookie-flags"], want["session.expiry"] = audit.Pass, audit.Pass
				}
				if mode == testapps.Flawed {
					for id := range want {
						want[id] = audit.Fail
					}
					if a.Name != "bearer" {
						want["session.expiry"] = audit.Warn // 90 days
					}
				}
				// Where the session is kept is no flaw of one mode: the SPA keeps its bearer token in localStorage.
				want["session.token-storage"] = audit.Pass
				if a.Name == "bearer" {
					want["session.token-storage"] = audit.Fail
				}
				for id, st := range want {
					if r := res[id]; r.Status != st {
						t.Errorf("%s = %s %q, want %s", id, r.Status, r.Summary, st)
					}
				}
				if a.Name == "sso" {
					for _, line := range a.IdPRequests() {
						if !strings.HasPrefix(line, "GET /authorize?") && line != "POST /authorize" && line != "GET /favicon.ico" {
							t.Errorf("the identity provider (out of scope) got %q: only the browser's sign-in may go there", line)
						}
					}
					if len(rep.AuthPages) == 0 || !strings.Contains(markdown(t, rep), "Out of scope, signed in through only") {
						t.Errorf("the report does not list the identity provider as out of scope: %v", rep.AuthPages)
					}
				}
				if r := res["session.rotation"]; a.Name == "bearer" && (r.Status != audit.Inconclusive || !strings.Contains(r.Summary, "no login was seen")) {
					t.Errorf("session.rotation on sessions brought in files: %s %q, want inconclusive: no login was seen", r.Status, r.Summary)
				}
				if a.Name == "bearer" && !strings.Contains(res["session.logout-invalidates"].Summary+evidenceText(res["session.logout-invalidates"]), "saved session") {
					t.Errorf("ending A's saved session is not said: %+v", res["session.logout-invalidates"])
				}
				secrets := s.secrets
				for _, m := range target.ReceivedMail() {
					for _, l := range m.Links { // a sign-in link, not the app's home page a mail also links
						if u, err := url.Parse(l); err == nil && u.RawQuery != "" {
							secrets = append(secrets, l, u.Query().Get("token"))
						}
					}
				}
				if (a.Name == "magic" || a.Name == "codes") && len(target.ReceivedMail()) == 0 {
					t.Error("no sign-in mail was read from the inbox")
				}
				if a.Name == "codes" {
					for _, m := range target.ReceivedMail() {
						if code := regexp.MustCompile(`\d{6}`).FindString(m.Text); code != "" {
							secrets = append(secrets, code)
						}
					}
					if !slices.ContainsFunc(rep.SignIn, func(l string) bool { return strings.Contains(l, "a one-time code by mail") }) {
						t.Errorf("the report does not say the accounts signed in with a code by mail: %q", rep.SignIn)
					}
				}
				assertNoneIn(t, rep, secrets)
			})
		}
	}
}

func runSignIn(t *testing.T, s *signInAudit) (*audit.Report, *audit.Target) {
	t.Helper()
	plan, err := audit.ParsePlanValue(s.plan)
	if err != nil {
		t.Fatalf("the plan does not validate: %v", err)
	}
	target, err := audit.NewTarget(plan, func(k string) string { return s.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	if s.prepare != nil {
		s.prepare(target)
	}
	return runChecks(t, target, signInChecks), target
}

func markdown(t *testing.T, rep *audit.Report) string {
	t.Helper()
	var b strings.Builder
	if err := (reports.Markdown{}).Write(&b, rep); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func evidenceText(r audit.Result) string {
	var b strings.Builder
	for _, e := range r.Evidence {
		b.WriteString(e.Label + " " + e.Excerpt + " " + e.Request + "\n")
	}
	return b.String()
}

// assertNoneIn fails when the JSON or markdown report holds any of the secrets.
func assertNoneIn(t *testing.T, rep *audit.Report, secrets []string) {
	t.Helper()
	data, _ := json.Marshal(rep)
	out := string(data) + markdown(t, rep)
	for _, s := range secrets {
		if len(s) >= 6 && strings.Contains(out, s) {
			t.Errorf("the report shows a secret of the audit (%d characters, starting %q)", len(s), s[:3])
		}
	}
}

// A person signs in by hand (login: manual) — here a scripted one, acting on the window's page as a person would,
// in a window kept headless — through the identity provider: the audit waits for them, asks again when they say
// "done" too early, saves the session to a 0600 file, goes on headless from it and decides; a second audit from
// that file (storage_state) decides the same, and no value of the saved session shows in either report.
func TestSignInByHand(t *testing.T) {
	browsertest.Bin(t)
	a := testapps.SSOApp(t, testapps.Fixed)
	s := signInPlan(t, a)
	s.plan.Accounts.A = &audit.Account{Email: a.A.Email, Login: audit.LoginManual}
	saved := filepath.Join(t.TempDir(), "a-session.json")
	asked := 0
	s.prepare = func(tg *audit.Target) {
		tg.WindowHeadless = true
		tg.SaveSession = map[string]string{"a": saved}
		tg.SignInByHand = func(ctx context.Context, w audit.SignInWindow) error {
			asked++
			if !strings.Contains(w.Prompt(), "Sign in as A ("+a.A.Email+") in the browser window, then press enter") {
				t.Errorf("the prompt says %q", w.Prompt())
			}
			if asked == 1 {
				return nil // "done" before signing in: the window still shows the login, so the audit asks again
			}
			if w.Again == nil || !strings.Contains(w.Prompt(), "Not signed in yet") {
				t.Errorf("the second prompt does not say why it asks again: %q", w.Prompt())
			}
			return personSignsIn(w.Page.Rod().Context(ctx), a.A)
		}
	}
	rep, _ := runSignIn(t, s)
	if asked != 2 {
		t.Errorf("the person was asked %d times, want 2", asked)
	}
	judged := func(rep *audit.Report) {
		t.Helper()
		for _, r := range rep.Results {
			if strings.Contains(r.Summary, "could not log in") || (r.ID == "authz.idor-read" && r.Status != audit.Pass) {
				t.Errorf("%s = %s %q", r.ID, r.Status, r.Summary)
			}
		}
	}
	judged(rep)
	if !slices.ContainsFunc(rep.SignIn, func(l string) bool { return strings.Contains(l, "signed in by hand") && strings.Contains(l, saved) }) {
		t.Errorf("the report does not say A signed in by hand and where the session was saved: %q", rep.SignIn)
	}
	fi, err := os.Stat(saved)
	if err != nil {
		t.Fatalf("the session was not saved: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the saved session is mode %v, want 0600: it is a live credential", fi.Mode().Perm())
	}
	st, err := browser.ReadState(saved)
	if err != nil {
		t.Fatal(err)
	}
	assertNoneIn(t, rep, st.Secrets())

	// The next run brings the saved session instead.
	s2 := signInPlan(t, a)
	s2.plan.Accounts.A = &audit.Account{Email: a.A.Email, StorageState: saved}
	rep2, _ := runSignIn(t, s2)
	judged(rep2)
	assertNoneIn(t, rep2, st.Secrets())
}

// personSignsIn does what a person does in the window: follow "Sign in", choose the identity provider, type the
// email and password there, and send the form.
func personSignsIn(p *rod.Page, acc testapps.Account) error {
	p = p.Timeout(20 * time.Second)
	steps := []func() error{
		func() error { return clickText(p, "a", "^Sign in$") },
		func() error { return clickText(p, "a", "Sign in with Acme ID") },
		func() error { return typeIn(p, "input[type=email]", acc.Email) },
		func() error { return typeIn(p, "input[type=password]", acc.Password) },
		func() error { return clickText(p, "button", "^Sign in$") },
		func() error { return p.WaitElementsMoreThan("form[action='/logout']", 0) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func clickText(p *rod.Page, selector, text string) error {
	el, err := p.ElementR(selector, text)
	if err != nil {
		return err
	}
	wait := p.WaitNavigation(proto.PageLifecycleEventNameNetworkAlmostIdle)
	if err := el.Click(proto.InputMouseButtonLeft, 1); err != nil {
		return err
	}
	wait()
	return nil
}

func typeIn(p *rod.Page, selector, text string) error {
	el, err := p.Element(selector)
	if err != nil {
		return err
	}
	return el.Input(text)
}
