package browser_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	. "github.com/launchready/launchready/browser"
)

// A second factor asked for one digit per box (as many apps draw it): the login types the current code across the
// boxes and lands signed in; a wrong code is reported as not accepted, never as a login.
func TestLoginTypesTheOneTimeCodeIntoDigitBoxes(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Keep</title><body>%s</body>`, body)
	}
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Log in</button></form>`)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("password") != "Keep-Pass-4471" {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "pending", Value: "1", Path: "/"})
		http.Redirect(w, r, "/two-factor", http.StatusSeeOther)
	})
	boxes := ""
	for i := range 6 {
		boxes += fmt.Sprintf(`<input name="d%d" maxlength="1" inputmode="numeric" size="1">`, i)
	}
	mux.HandleFunc("GET /two-factor", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<h1>Enter the code from your authenticator app</h1><form method="post" action="/two-factor">`+boxes+`<button type="submit">Verify</button></form>`)
	})
	mux.HandleFunc("POST /two-factor", func(w http.ResponseWriter, r *http.Request) {
		code := ""
		for i := range 6 {
			code += r.FormValue(fmt.Sprintf("d%d", i))
		}
		if !totp.Validate(code, secret) {
			page(w, `<p role="alert">That code is not right.</p><form method="post" action="/two-factor">`+boxes+`<button type="submit">Verify</button></form>`)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "signed-in", Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/home", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /home", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<h1>Your notes</h1><form method="post" action="/logout"><button>Log out</button></form>`)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	e := launch(t, "127.0.0.1")
	tests := []struct {
		name    string
		code    func() (string, error)
		wantErr string
	}{
		{"current code", func() (string, error) { return totp.GenerateCode(secret, time.Now()) }, ""},
		{"wrong code", func() (string, error) { return "000000", nil }, "one-time code was not accepted"},
		{"no secret in the plan", nil, "set totp_env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.NewContext("a")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			s, err := c.Login(t.Context(), "a", srv.URL+"/login", Credentials{Email: "kim@keep.test", Password: "Keep-Pass-4471", TOTP: tt.code})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("login: %v, want an error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(s.LandingURL, "/home") {
				t.Errorf("landed on %s, want /home", s.LandingURL)
			}
		})
	}
}
