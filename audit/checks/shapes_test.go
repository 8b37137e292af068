package checks

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/testapps"
)

// shapeChecks are the checks that submit the app's forms or need its login: they must decide on every shape of app.
var shapeChecks = []string{
	"session.cookie-flags", "session.token-storage", "session.expiry", "session.token-strength", "session.rotation",
	"session.logout-invalidates", "ratelimit.login", "ratelimit.reset", "input.malformed", "input.oversized", "input.error-leakage",
}

// TestFormsAsTheAppSendsThem runs the login, session, rate-limit and input checks on apps of the shapes founders ship
// (an SPA posting JSON, a Next.js-style app with a CSRF header, a Rails-style server form), flawed and fixed: the
// burst and the probes reach the app's real endpoints, the verdicts follow the app, and no password ever travels in
// a URL.
func TestFormsAsTheAppSendsThem(t *testing.T) {
	browsertest.Bin(t)
	apps := []struct {
		name string
		make func(testing.TB, testapps.Mode) *testapps.App
	}{{"spa", testapps.SPA}, {"nextstyle", testapps.NextStyle}, {"serverforms", testapps.ServerForms}}
	for _, app := range apps {
		for _, mode := range []testapps.Mode{testapps.Flawed, testapps.Fixed} {
			t.Run(app.name+"/"+mode.String(), func(t *testing.T) {
				a := app.make(t, mode)
				rep := auditShape(t, a)
				res := map[string]audit.Result{}
				for _, r := range rep.Results {
					res[r.ID] = r
				}
				for _, id := range shapeChecks {
					if r := res[id]; strings.Contains(r.Summary, "could not log in") || strings.Contains(r.Summary, "no write endpoint") ||
						strings.Contains(r.Summary, "no login endpoint") {
						t.Errorf("%s did not decide: %s %q", id, r.Status, r.Summary)
					}
				}
				want := map[string]audit.Status{"ratelimit.login": audit.Pass, "ratelimit.reset": audit.Pass, "input.malformed": audit.Pass,
					"input.oversized": audit.Pass, "input.error-leakage": audit.Pass}
				if mode == testapps.Flawed {
					for id := range want {
						want[id] = audit.Fail
					}
				}
				for id, st := range want {
					if r := res[id]; r.Status != st {
						t.Errorf("%s = %s %q, want %s", id, r.Status, r.Summary, st)
					}
				}
				for _, id := range []string{"ratelimit.login", "input.malformed", "input.oversized"} {
					if r := res[id]; !strings.Contains(r.Summary, "/login") {
						t.Errorf("%s does not name the login endpoint it exercised: %q", id, r.Summary)
					}
				}
				if strings.Contains(res["ratelimit.login"].Summary, "could not log in") {
					t.Errorf("after the burst: %q", res["ratelimit.login"].Summary)
				}
				assertNoPasswordInURLs(t, a)
				assertNoSecretInReport(t, rep, a)
			})
		}
	}
}

func auditShape(t *testing.T, a *testapps.App) *audit.Report {
	t.Helper()
	return auditChecks(t, a, shapeChecks)
}

// auditChecks runs the checks with these IDs on the app, with its two accounts, passively.
func auditChecks(t *testing.T, a *testapps.App, ids []string) *audit.Report {
	t.Helper()
	plan := &audit.Plan{Name: a.Name, App: a.URL, TLS: audit.TLS{Insecure: true},
		Accounts: audit.Accounts{A: &audit.Account{Email: a.A.Email, PasswordEnv: "LR_A"}, B: &audit.Account{Email: a.B.Email, PasswordEnv: "LR_B"}}}
	env := map[string]string{"LR_A": a.A.Password, "LR_B": a.B.Password}
	target, err := audit.NewTarget(plan, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	return runChecks(t, target, ids)
}

// runChecks runs the catalog's checks of ids against target, as the Runner runs an audit.
func runChecks(t *testing.T, target *audit.Target, ids []string) *audit.Report {
	t.Helper()
	var checks []audit.Check
	for _, c := range All() {
		if slices.Contains(ids, c.ID) {
			checks = append(checks, c)
		}
	}
	events := make(chan audit.Event, 64)
	go func() {
		for range events {
		}
	}()
	return (&audit.Runner{Checks: checks}).Run(t.Context(), target, events)
}

// assertNoPasswordInURLs reads every request line the app received: neither account's password, nor any value in a
// password-named parameter, may be in one.
func assertNoPasswordInURLs(t *testing.T, a *testapps.App) {
	t.Helper()
	lines := a.RequestLines()
	if len(lines) == 0 {
		t.Fatal("the app received no request")
	}
	for _, line := range lines {
		plain, _ := url.QueryUnescape(line)
		for _, pw := range []string{a.A.Password, a.B.Password} {
			if strings.Contains(line, pw) || strings.Contains(plain, pw) {
				t.Errorf("a password travelled in a URL: %s", line)
			}
		}
		if _, query, ok := strings.Cut(line, "?"); ok {
			if q, err := url.ParseQuery(strings.Fields(query)[0]); err == nil {
				for k, v := range q {
					if strings.Contains(strings.ToLower(k), "pass") && v[0] != "" {
						t.Errorf("a password field travelled in a URL: %s", line)
					}
				}
			}
		}
	}
}

func assertNoSecretInReport(t *testing.T, rep *audit.Report, a *testapps.App) {
	t.Helper()
	data, _ := json.Marshal(rep)
	for _, pw := range []string{a.A.Password, a.B.Password} {
		if strings.Contains(string(data), pw) {
			t.Errorf("the report shows a password")
		}
	}
}

// A form with no action, no method and no script behind it: the browser would send it as GET /?email=…&password=….
// The audit must refuse (in the probe and in the browser), say why, and the app must never see the password.
func TestALoginFormThatWouldPutThePasswordInTheURL(t *testing.T) {
	browsertest.Bin(t)
	var mu sync.Mutex
	var lines []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lines = append(lines, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		fmt.Fprint(w, `<!doctype html><title>Sign in</title><form><input type="email" name="email"><input type="password" name="password"><button type="submit">Sign in</button></form>`)
	}))
	t.Cleanup(srv.Close)
	a := &testapps.App{Name: "naive", URL: srv.URL + "/", A: testapps.Account{Email: "ann@naive.test", Password: "Naive-Pass-6612"},
		B: testapps.Account{Email: "ben@naive.test", Password: "Naive-Pass-7723"}}
	rep := auditShape(t, a)
	for _, r := range rep.Results {
		if r.ID == "session.cookie-flags" && (r.Status != audit.Inconclusive || !strings.Contains(r.Summary, "password in the URL")) {
			t.Errorf("session.cookie-flags = %s %q, want inconclusive saying the form sends the password in the URL", r.Status, r.Summary)
		}
		if r.ID == "ratelimit.login" && r.Status != audit.Inconclusive {
			t.Errorf("ratelimit.login = %s %q, want inconclusive: there is no endpoint to burst", r.Status, r.Summary)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, line := range lines {
		if strings.Contains(line, "password=") || strings.Contains(line, "Naive-Pass") {
			t.Errorf("the app received a password in a URL: %s", line)
		}
	}
}

// The session, header and enumeration verdicts on an ordinary server-rendered framework app (Forge: a 64-bit hex
// session cookie beside lang and theme cookies, a rotating pre-login session, the referrer policy and the CSP as
// <meta> tags, a login that hashes only for real accounts when flawed): every session check names the same session
// cookie and never a preference cookie, its summary agrees with its evidence, and the verdicts follow the app.
func TestSessionVerdictsOnAFrameworkApp(t *testing.T) {
	browsertest.Bin(t)
	checks := []string{"session.cookie-flags", "session.token-strength", "session.expiry", "session.rotation",
		"session.logout-invalidates", "headers.referrer-policy", "headers.csp", "auth.user-enumeration"}
	tests := []struct {
		mode testapps.Mode
		want map[string]audit.Status
	}{
		{testapps.Fixed, map[string]audit.Status{"session.cookie-flags": audit.Pass, "session.token-strength": audit.Pass,
			"session.expiry": audit.Pass, "session.rotation": audit.Pass, "session.logout-invalidates": audit.Pass,
			"headers.referrer-policy": audit.Pass, "headers.csp": audit.Pass, "auth.user-enumeration": audit.Pass}},
		{testapps.Flawed, map[string]audit.Status{"session.token-strength": audit.Fail, "session.expiry": audit.Warn,
			"session.rotation": audit.Fail, "session.logout-invalidates": audit.Fail, "headers.referrer-policy": audit.Fail,
			"headers.csp": audit.Warn, "auth.user-enumeration": audit.Warn}},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			a := testapps.Forge(t, tt.mode)
			rep := auditChecks(t, a, checks)
			res := map[string]audit.Result{}
			for _, r := range rep.Results {
				res[r.ID] = r
			}
			for _, id := range checks {
				t.Logf("%s: %s %s", id, res[id].Status, res[id].Summary)
			}
			for id, st := range tt.want {
				if r := res[id]; r.Status != st {
					t.Errorf("%s = %s %q, want %s", id, r.Status, r.Summary, st)
				}
			}
			for _, id := range []string{"session.cookie-flags", "session.token-strength", "session.expiry", "session.rotation", "session.logout-invalidates"} {
				r := res[id]
				if !strings.Contains(r.Summary, "forge_session") || strings.Contains(r.Summary, "lang") || strings.Contains(r.Summary, "theme") {
					t.Errorf("%s does not judge the session cookie alone: %q", id, r.Summary)
				}
				if !hasEvidence(r, "the session cookie forge_session", "") {
					t.Errorf("%s does not say which cookie it took as the session and why: %+v", id, r.Evidence)
				}
			}
			// The rotation sentence agrees with its evidence: a cookie said to be replaced or kept was there before.
			if r := res["session.rotation"]; strings.Contains(r.Summary, "pre-login") && !hasEvidence(r, "cookies before login", "forge_session") {
				t.Errorf("rotation speaks of a pre-login cookie its evidence does not show: %q %+v", r.Summary, r.Evidence)
			}
			// Expiry's lifetime and logout's status are the ones their evidence shows.
			if r, m := res["session.expiry"], lifetime.FindStringSubmatch(res["session.expiry"].Summary); m == nil || !hasEvidence(r, "cookie forge_session", "lifetime "+m[1]) {
				t.Errorf("expiry's summary and evidence disagree: %q %+v", r.Summary, r.Evidence)
			}
			if r := res["session.logout-invalidates"]; !logoutAgrees(r) {
				t.Errorf("logout's summary and evidence disagree: %q %+v", r.Summary, r.Evidence)
			}
			if r := res["auth.user-enumeration"]; !hasEvidence(r, "login timing over HTTP", "median") || r.Status != tt.want["auth.user-enumeration"] {
				t.Errorf("enumeration's timing evidence: %+v", r.Evidence)
			}
			assertNoSecretInReport(t, rep, a)
		})
	}
}

// hasEvidence reports a piece of evidence whose label starts with label and whose excerpt contains text.
func hasEvidence(r audit.Result, label, text string) bool {
	for _, ev := range r.Evidence {
		if strings.HasPrefix(ev.Label, label) && strings.Contains(ev.Excerpt, text) {
			return true
		}
	}
	return false
}

// lifetime is the lifetime an expiry summary states: "cookie forge_session lives 7 days".
var lifetime = regexp.MustCompile(`lives ([0-9]+ days|[0-9hms.]+)`)

// logoutAgrees reports a logout result whose summary tells what its evidence shows: the status the old session
// got after logging out, or that it still got the private answer.
func logoutAgrees(r audit.Result) bool {
	for _, ev := range r.Evidence {
		if !strings.HasPrefix(ev.Label, "with the same credentials, after logging out") {
			continue
		}
		if r.Status == audit.Pass {
			return strings.Contains(r.Summary, fmt.Sprintf("gets %d", ev.Status))
		}
		return strings.Contains(r.Summary, "still gets the private answer")
	}
	return false
}

// A login the app holds off for the attempts before it (its limit on failed logins, which an earlier audit's login
// timing and burst reach) is said to be that, with what to do, not left to read as a wrong password; a wrong
// password is not said to be a limit.
func TestLoginHeldOffIsSaid(t *testing.T) {
	browsertest.Bin(t)
	const heldOff = "holding the account off for too many attempts"
	t.Run("held off", func(t *testing.T) {
		a := testapps.SPA(t, testapps.Fixed)
		client := a.Server.Client()
		for range 5 {
			resp, err := client.Post(a.URL+"api/auth/login", "application/json", strings.NewReader(`{"email":"`+a.A.Email+`","password":"not-the-password"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		rep := auditChecks(t, a, []string{"session.expiry"})
		if got := rep.Results[0]; got.Status != audit.Inconclusive || !strings.Contains(got.Summary, heldOff) {
			t.Errorf("got %s %q, want inconclusive saying %q", got.Status, got.Summary, heldOff)
		}
	})
	t.Run("held off in the API's words only", func(t *testing.T) {
		// Node-RED: the API answers 500 "Too many login attempts", the page shows "Login failed".
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, `{"code":"unexpected_error","message":"Too many login attempts. Wait 10 minutes and try again"}`)
				return
			}
			io.WriteString(w, `<!doctype html><title>Editor</title><div id="login"><input type="text" placeholder="Username"><input type="password" placeholder="Password"><button>Login</button><p id="err"></p></div>
<script>document.querySelector('button').onclick = async () => {
  const r = await fetch('/auth/token', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'});
  if (!r.ok) document.getElementById('err').textContent = 'Login failed';
};</script>`)
		}))
		t.Cleanup(srv.Close)
		plan := &audit.Plan{App: srv.URL + "/", Accounts: audit.Accounts{A: &audit.Account{Email: "alice", PasswordEnv: "PW"}}}
		target, err := audit.NewTarget(plan, func(string) string { return "alice-pass-2026" })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(target.Close)
		rep := runChecks(t, target, []string{"session.expiry"})
		if got := rep.Results[0]; got.Status != audit.Inconclusive || !strings.Contains(got.Summary, heldOff) {
			t.Errorf("got %s %q, want inconclusive saying %q", got.Status, got.Summary, heldOff)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		a := testapps.SPA(t, testapps.Fixed)
		a.A.Password = "not-the-password"
		rep := auditChecks(t, a, []string{"session.expiry"})
		if got := rep.Results[0]; !strings.Contains(got.Summary, "could not log in") || strings.Contains(got.Summary, heldOff) {
			t.Errorf("got %s %q, want a login refused without a limit", got.Status, got.Summary)
		}
	})
}
