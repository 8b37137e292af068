package audit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/browser/browsertest"
)

// TestFormReadOncePerVisitor: a server form's page is read again for each visitor and whenever the visitor's
// cookies changed, never for each submission of a visitor the app gave nothing new.
func TestFormReadOncePerVisitor(t *testing.T) {
	var reads atomic.Int32
	var lastToken atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		reads.Add(1)
		token := "t-none"
		if c, err := r.Cookie("csrf"); err == nil {
			token = c.Value
		} else {
			token = fmt.Sprintf("t-%d", reads.Load())
			http.SetCookie(w, &http.Cookie{Name: "csrf", Value: token, Path: "/"})
		}
		fmt.Fprintf(w, `<form method="post" action="/login"><input type="hidden" name="csrf" value="%s"><input type="email" name="email"><input type="password" name="password"><button>Log in</button></form>`, token)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		lastToken.Store(r.FormValue("csrf"))
		if r.FormValue("email") == "rotate@example.test" { // a login answer that sets a cookie
			http.SetCookie(w, &http.Cookie{Name: "csrf", Value: "t-rotated", Path: "/"})
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `<p class="error">Wrong email or password</p>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	target := testTarget(t, &Plan{App: srv.URL + "/", Paths: Paths{Login: "/login"}})
	form, err := target.Form(t.Context(), account.Login)
	if err != nil {
		t.Fatal(err)
	}
	send := func(jar http.CookieJar, email string) {
		t.Helper()
		req, err := form.Request(t.Context(), jar, account.Values{account.Email: email, account.Password: "wrong-password-1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := target.Probe.Do(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	jar := form.NewJar()
	newVisitor := func() http.CookieJar { jar = form.NewJar(); return jar }
	base := reads.Load() // finding the form read the page
	tests := []struct {
		name      string
		jar       func() http.CookieJar
		email     string
		reads     int32 // the page's reads this submission adds
		token     string
		unchanged bool // Unchanged(jar) after the submission
	}{
		{"a visitor's first submission reads the form", func() http.CookieJar { return jar }, "a@example.test", 1, "", true},
		{"its next one reuses it: the app set no cookie since", func() http.CookieJar { return jar }, "b@example.test", 0, "", true},
		{"one whose answer rotated the CSRF cookie", func() http.CookieJar { return jar }, "rotate@example.test", 0, "", false},
		{"the next reads the form again, with the new token", func() http.CookieJar { return jar }, "c@example.test", 1, "t-rotated", true},
		{"another visitor reads its own", newVisitor, "d@example.test", 1, "", true},
	}
	for _, tt := range tests {
		before, visitor := reads.Load(), tt.jar()
		send(visitor, tt.email)
		if got := reads.Load() - before; got != tt.reads {
			t.Errorf("%s: the page was read %d times, want %d", tt.name, got, tt.reads)
		}
		if got := form.Unchanged(visitor); got != tt.unchanged {
			t.Errorf("%s: Unchanged = %v, want %v", tt.name, got, tt.unchanged)
		}
		if tt.token != "" && lastToken.Load() != tt.token {
			t.Errorf("%s: sent token %v, want %s", tt.name, lastToken.Load(), tt.token)
		}
	}
	if total := reads.Load() - base; total != 3 {
		t.Errorf("5 submissions by 2 visitors read the page %d times, want 3", total)
	}
}

// TestNoResetFormSaysWhatTheAppSaid: when the app's own reset page (the login page's "Forgot password?" link) offers
// no form, the error quotes what it says instead (Gitea with no mailer: "Account recovery is disabled..."), not
// only a hint to set paths.reset.
func TestNoResetFormSaysWhatTheAppSaid(t *testing.T) {
	browsertest.Bin(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<a href="/user/login">Sign in</a>`)
	})
	mux.HandleFunc("GET /user/login", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><form method="post" action="/user/login"><input name="user_name"><input type="password" name="password"><button>Sign in</button></form><a href="/user/forgot_password">Forgot password?</a>`)
	})
	mux.HandleFunc("GET /user/forgot_password", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<h1>Forgot password</h1><p>Account recovery is disabled because no email address is set up. Please contact your site administrator.</p>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	target := testTarget(t, &Plan{App: srv.URL + "/"})
	t.Cleanup(target.Close)
	_, err := target.Form(t.Context(), account.Reset)
	if err == nil || !strings.Contains(err.Error(), "/user/forgot_password says") || !strings.Contains(err.Error(), "Account recovery is disabled") {
		t.Errorf("error %v, want the reset page's own words", err)
	}
}
