package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/ledger"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func TestRateLimitsOnDemo(t *testing.T) {
	tests := []struct {
		name  string
		check func(context.Context, *audit.Target) audit.Result
		flaw  demo.Flaw
		hits  string // the endpoint the burst hits
	}{
		{"login", Login, demo.FlawNoLoginLimit, "POST /login"},
		{"reset", Reset, demo.FlawNoResetLimit, "POST /forgot-password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := demotest.Start(t, demotest.Only(tt.flaw))
			got := tt.check(t.Context(), target(t, srv))
			if got.Status != audit.Fail || !strings.Contains(got.Summary, "20 ") {
				t.Errorf("flawed: %s %q, want a fail after 20 attempts", got.Status, got.Summary)
			}
			if n := srv.Hits(tt.hits); n > 20+2 {
				t.Errorf("the burst sent %d requests to %s: over its cap of 20", n, tt.hits)
			}
			hard := demotest.Start(t, demo.Hardened())
			got = tt.check(t.Context(), target(t, hard))
			if got.Status != audit.Pass || !strings.Contains(got.Summary, "limited after 6 attempts") || !strings.Contains(got.Summary, "Retry-After: 60") {
				t.Errorf("hardened: %s %q, want the limit seen with Retry-After", got.Status, got.Summary)
			}
			// The demo's limit holds A out too: told by the 429 its login page answered, not by the error's words.
			if tt.name == "login" && !strings.Contains(got.Summary, "afterwards A's own login is refused too") {
				t.Errorf("hardened: %q, want A's own login seen refused by the limit", got.Summary)
			}
		})
	}
}

func target(t *testing.T, srv *demo.Server) *audit.Target {
	plan, err := srv.Plan("burst")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := audit.NewTarget(plan, srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tg.Close)
	return tg
}

// burstTarget is a plan for the app at u with account A (no password: A is not logged in after the burst) and
// bursts of at most 8 in 5 s.
func burstTarget(t *testing.T, u string) *audit.Target {
	plan := &audit.Plan{App: u + "/", Accounts: audit.Accounts{A: &audit.Account{Email: "a@x.test", PasswordEnv: "P"}},
		Limits: audit.Limits{Burst: 8, BurstWindow: audit.Duration(5 * time.Second)}}
	tg, err := audit.NewTarget(plan, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// The burst respects the plan's tighter bounds, and a page that says "too many attempts" counts as a limit.
func TestBurstBounds(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			fmt.Fprint(w, `<form method="post" action="/session"><input name="username"><input type="password" name="pw"></form>`)
			return
		}
		n++
		if n > 3 {
			fmt.Fprint(w, `<p>Too many attempts. Please try again later.</p>`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `<form method="post" action="/session"><input name="username"><input type="password" name="pw"></form>`)
	}))
	t.Cleanup(srv.Close)
	tg := burstTarget(t, srv.URL)
	got := Login(t.Context(), tg)
	if got.Status != audit.Pass || !strings.Contains(got.Summary, "limited after 4 attempts") {
		t.Errorf("got %s %q", got.Status, got.Summary)
	}
	n = -100 // never limited from now on
	got = Login(t.Context(), tg)
	if got.Status != audit.Fail || !strings.HasPrefix(got.Summary, "8 failed login attempts") {
		t.Errorf("with limits.burst 8: %s %q", got.Status, got.Summary)
	}
}

// TestBurstSaysWhatTheAuditSentBefore: a limit that counts per client counts the audit's own earlier requests to
// the endpoint (the flows' logins and sign-ups), so a burst refused early says how many there were; requests to
// another endpoint, or reads of this one, are not counted.
func TestBurstSaysWhatTheAuditSentBefore(t *testing.T) {
	form := `<form method="post" action="/session"><input name="username"><input type="password" name="pw"></form>`
	tests := []struct {
		name    string
		earlier []string // method and path the audit sent before the burst
		limited string   // the summary's threshold
		said    string   // what the summary says of the earlier requests ("" none)
	}{
		{"nothing before", nil, "limited after 4 attempts", ""},
		{"the flows' logins before", []string{"POST /session", "POST /session", "GET /session"}, "limited after 2 attempts", "the audit had sent 2 requests to it before the burst"},
		{"other endpoints before", []string{"POST /signup", "GET /session", "PUT /session/x"}, "limited after 4 attempts", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var posts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet || r.URL.Path != "/session" {
					fmt.Fprint(w, form)
					return
				}
				if posts.Add(1) > 3 { // per client: every login to it counts, the audit's own too
					w.Header().Set("Retry-After", "60")
					http.Error(w, "Too many attempts", http.StatusTooManyRequests)
					return
				}
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, form)
			}))
			t.Cleanup(srv.Close)
			tg := burstTarget(t, srv.URL)
			ctx := ledger.With(t.Context(), tg.Ledger)
			for _, e := range tt.earlier {
				method, path, _ := strings.Cut(e, " ")
				if _, err := tg.Probe.Do(ctx, &probe.Request{Method: method, URL: srv.URL + path, Body: []byte("username=a%40x.test&pw=x"),
					Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}); err != nil {
					t.Fatal(err)
				}
			}
			got := Login(ctx, tg)
			if got.Status != audit.Pass || !strings.Contains(got.Summary, tt.limited) {
				t.Fatalf("got %s %q, want a pass %s", got.Status, got.Summary, tt.limited)
			}
			ev := got.Evidence[0].Excerpt
			if tt.said == "" {
				if strings.Contains(got.Summary, "before the burst") || strings.Contains(ev, "before the burst") {
					t.Errorf("nothing sent before, yet: %q / %q", got.Summary, ev)
				}
				return
			}
			if !strings.Contains(got.Summary, tt.said) {
				t.Errorf("summary %q, want %q", got.Summary, tt.said)
			}
			if !strings.Contains(ev, "before the burst the audit itself had sent 2 requests to it") {
				t.Errorf("evidence %q, want the earlier requests named", ev)
			}
		})
	}
}

// Lockout words count only as the app shows them in reaction to the burst: a captcha widget's script and markup on
// every answer is no limit (a fail when nothing else refuses), words every answer showed from the first attempt on
// decide nothing, and words that appear only after some attempts are a limit.
func TestLockoutWordsMustBeAReaction(t *testing.T) {
	form := `<form method="post" action="/session"><input name="username"><input type="password" name="pw"><button>Sign in</button></form>`
	tests := []struct {
		name   string
		answer func(n int) string
		want   audit.Status
		says   string
	}{
		{"a captcha widget on every answer", func(int) string {
			return `<script src="https://www.google.com/recaptcha/api.js" async defer></script>` + form + `<div class="g-recaptcha" data-sitekey="6Lc"></div><p class="error">Wrong password.</p>`
		}, audit.Fail, "8 failed login attempts"},
		{"the captcha notice shown from the start", func(int) string {
			return form + `<p class="error">Wrong password.</p><small>This site is protected by reCAPTCHA and the Google Privacy Policy applies.</small>`
		}, audit.Inconclusive, "from the first attempt on"},
		{"a lockout after 3 attempts", func(n int) string {
			if n > 3 {
				return `<p>Too many attempts. Please try again later.</p>`
			}
			return form + `<p class="error">Wrong password.</p>`
		}, audit.Pass, "limited after 4 attempts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					fmt.Fprint(w, form)
					return
				}
				fmt.Fprint(w, tt.answer(int(n.Add(1))))
			}))
			t.Cleanup(srv.Close)
			if got := Login(t.Context(), burstTarget(t, srv.URL)); got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("got %s %q, want %s (%q)", got.Status, got.Summary, tt.want, tt.says)
			}
		})
	}
}

func TestWriteBurstsNeedActive(t *testing.T) {
	tg, _ := audit.NewTarget(&audit.Plan{App: "https://127.0.0.1/"}, nil)
	for _, check := range []func(context.Context, *audit.Target) audit.Result{Signup, Invite, Post} { // all say what active: true is for
		if got := check(t.Context(), tg); got.Status != audit.Skipped || !strings.Contains(got.Summary, "active: true") {
			t.Errorf("got %s %q", got.Status, got.Summary)
		}
	}
}

// Sign-up and invite bursts through the app's own forms: refused after a few on the hardened demo, never on the
// flawed one.
func TestSignupAndInviteBurstsActive(t *testing.T) {
	tests := []struct {
		name  string
		check func(context.Context, *audit.Target) audit.Result
		flaw  demo.Flaw
	}{
		{"sign-up", Signup, demo.FlawNoSignupLimit},
		{"invite", Invite, demo.FlawNoInviteLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(t.Context(), demotest.ActiveTarget(t, demotest.Only(tt.flaw))); got.Status != audit.Fail || !strings.Contains(got.Summary, "none refused") {
				t.Errorf("flawed: %s %q", got.Status, got.Summary)
			}
			if got := tt.check(t.Context(), demotest.ActiveTarget(t, demo.Hardened())); got.Status != audit.Pass || !strings.Contains(got.Summary, "limited after") {
				t.Errorf("hardened: %s %q", got.Status, got.Summary)
			}
		})
	}
}

func TestPostBurstActive(t *testing.T) {
	if got := Post(t.Context(), demotest.ActiveTarget(t, demotest.Only(demo.FlawNoPostLimit))); got.Status != audit.Fail {
		t.Errorf("flawed: %s %q", got.Status, got.Summary)
	}
	if got := Post(t.Context(), demotest.ActiveTarget(t, demo.Hardened())); got.Status != audit.Pass || !strings.Contains(got.Summary, "limited after") {
		t.Errorf("hardened: %s %q", got.Status, got.Summary)
	}
}

func TestCSRFRefusalIsNotALoginAnswer(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   bool
	}{
		{403, `{"error":"invalid csrf token"}`, true},
		{422, `<h1>Invalid authenticity token</h1>`, true},
		{403, `<p>CSRF verification failed. Request aborted.</p>`, true},
		{419, `Page Expired`, true},
		{401, `<form method="post"><input type="hidden" name="csrf" value="x"><input type="password" name="password"></form>`, false},
		{200, `<div role="alert">Invalid email or password</div><input type="hidden" name="authenticity_token">`, false},
		{403, `{"error":"Invalid email or password"}`, false},
		{404, `{"error":"no such user"}`, false},
		{405, `method not allowed`, true},
	}
	for _, tt := range tests {
		resp := &probe.Response{Status: tt.status, Body: []byte(tt.body)}
		if got := account.TurnedAway(resp) != ""; got != tt.want {
			t.Errorf("%d %s: turned away = %v, want %v", tt.status, tt.body, got, tt.want)
		}
	}
}
