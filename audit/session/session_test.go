package session

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func TestCookieFlagsOnDemo(t *testing.T) {
	if got := CookieFlags(t.Context(), demotest.Target(t, demotest.Only(demo.FlawCookieFlags))); got.Status != audit.Fail {
		t.Errorf("flawed: %s %q, want fail", got.Status, got.Summary)
	}
	if got := CookieFlags(t.Context(), demotest.Target(t, demo.Hardened())); got.Status != audit.Pass {
		t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
	}
}

// A second app, unlike the demo: a username field, a CSRF cookie readable by script, login answered with 200
// and a client-side redirect instead of a 303.
func TestCookieFlagsOtherApp(t *testing.T) {
	tests := []struct {
		name    string
		cookies []string
		want    audit.Status
	}{
		{"csrf cookie readable by script is fine", []string{"XSRF-TOKEN=abcdefgh123; Path=/; Secure; SameSite=Strict", "session=s3cr3tvalue99; Path=/; HttpOnly; Secure; SameSite=Lax"}, audit.Pass},
		{"no samesite only warns", []string{"session=s3cr3tvalue99; Path=/; HttpOnly; Secure"}, audit.Warn},
		{"samesite none without secure", []string{"session=s3cr3tvalue99; Path=/; HttpOnly; SameSite=None"}, audit.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /account/sign-in", func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `<form method="POST" action="/session"><input name="login"><input type="password" name="pw"><input type="hidden" name="authenticity_token" value="t0k"><input type="submit" name="commit" value="Sign in"></form>`)
			})
			mux.HandleFunc("POST /session", func(w http.ResponseWriter, r *http.Request) {
				if r.FormValue("login") != "carol" || r.FormValue("pw") != "correct horse" || r.FormValue("authenticity_token") != "t0k" {
					w.WriteHeader(http.StatusUnprocessableEntity)
					fmt.Fprint(w, `<form><input type="password" name="pw"></form>`)
					return
				}
				for _, c := range tt.cookies {
					w.Header().Add("Set-Cookie", c)
				}
				fmt.Fprint(w, `<p>Welcome back</p>`)
			})
			mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `<a href="/account/sign-in">Sign in</a>`) })
			srv := httptest.NewTLSServer(mux)
			t.Cleanup(srv.Close)
			plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true},
				Accounts: audit.Accounts{A: &audit.Account{Email: "carol", PasswordEnv: "PW"}}}
			target, err := audit.NewTarget(plan, func(string) string { return "correct horse" })
			if err != nil {
				t.Fatal(err)
			}
			if got := CookieFlags(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

func TestCookieFlagsWithoutLogin(t *testing.T) {
	srv := demotest.Start(t, demo.Hardened())
	tests := []struct {
		name   string
		plan   func(*audit.Plan)
		getenv func(string) string
		want   audit.Status
	}{
		{"no account in the plan", func(p *audit.Plan) { p.Accounts = audit.Accounts{} }, srv.Getenv, audit.Skipped},
		{"password variable empty", func(*audit.Plan) {}, func(string) string { return "" }, audit.Inconclusive},
		{"wrong password", func(*audit.Plan) {}, func(string) string { return "not-the-password" }, audit.Inconclusive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, _ := srv.Plan("t")
			tt.plan(plan)
			target, err := audit.NewTarget(plan, tt.getenv)
			if err != nil {
				t.Fatal(err)
			}
			if got := CookieFlags(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

// A session cookie scoped to a path (Path=/account) that the login page sets and the login keeps is session
// fixation, wherever the app's root is: a cookie the jar does not show for the root is not a rotated one.
func TestRotationOfAPathScopedCookie(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		t.Run(fmt.Sprintf("rotates=%v", fixed), func(t *testing.T) {
			var mu sync.Mutex
			signedIn := map[string]bool{} // sid -> signed in
			newSID := func() string {
				b := make([]byte, 16)
				rand.Read(b)
				return hex.EncodeToString(b)
			}
			setSID := func(w http.ResponseWriter, sid string) {
				w.Header().Add("Set-Cookie", "sid="+sid+"; Path=/account; HttpOnly; Secure; SameSite=Lax")
			}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /account/sign-in", func(w http.ResponseWriter, r *http.Request) {
				if _, err := r.Cookie("sid"); err != nil {
					setSID(w, newSID())
				}
				fmt.Fprint(w, `<form method="POST" action="/account/session"><input name="login"><input type="password" name="pw"><input type="submit" value="Sign in"></form>`)
			})
			mux.HandleFunc("POST /account/session", func(w http.ResponseWriter, r *http.Request) {
				ck, err := r.Cookie("sid")
				if err != nil || r.FormValue("login") != "dana" || r.FormValue("pw") != "correct horse" {
					w.WriteHeader(http.StatusUnprocessableEntity)
					fmt.Fprint(w, `<form><input type="password" name="pw"></form>`)
					return
				}
				sid := ck.Value
				if fixed { // a new identifier at login
					sid = newSID()
					setSID(w, sid)
				}
				mu.Lock()
				signedIn[sid] = true
				mu.Unlock()
				http.Redirect(w, r, "/account/home", http.StatusSeeOther)
			})
			mux.HandleFunc("GET /account/home", func(w http.ResponseWriter, r *http.Request) {
				ck, err := r.Cookie("sid")
				mu.Lock()
				ok := err == nil && signedIn[ck.Value]
				mu.Unlock()
				if !ok {
					http.Redirect(w, r, "/account/sign-in", http.StatusSeeOther)
					return
				}
				fmt.Fprint(w, `<h1>Dana's account</h1><p>Balance 4211</p><form method="POST" action="/account/sign-out"><button>Sign out</button></form>`)
			})
			mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `<a href="/account/sign-in">Sign in</a>`) })
			srv := httptest.NewTLSServer(mux)
			t.Cleanup(srv.Close)
			plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true},
				Accounts: audit.Accounts{A: &audit.Account{Email: "dana", PasswordEnv: "PW"}}}
			target, err := audit.NewTarget(plan, func(string) string { return "correct horse" })
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			want := audit.Fail
			if fixed {
				want = audit.Pass
			}
			if got := Rotation(t.Context(), target); got.Status != want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, want)
				for _, ev := range got.Evidence {
					t.Logf("    %s: %s", ev.Label, ev.Excerpt)
				}
			}
		})
	}
}
