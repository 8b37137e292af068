package browser_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
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

// A login page that offers a password first and "Email me a sign-in link" beside it: the request switches to the
// link, types the address and sends it; a page with only a password says so rather than sending an empty one.
func TestRequestLinkSwitchesToTheLinkOption(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Sign in</title><body>
<form id="pw" method="post" action="/session"><input type="email" name="email"><input type="password" name="password"><button type="submit">Sign in</button></form>
<button id="switch" type="button">Email me a sign-in link instead</button>
<form id="link" method="post" action="/magic" hidden><input type="email" name="email"><button type="submit">Send link</button></form>
<script>document.getElementById('switch').onclick = () => { document.getElementById('pw').hidden = true; document.getElementById('link').hidden = false }</script></body>`)
	})
	mux.HandleFunc("GET /password-only", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Sign in</title><form method="post" action="/session"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`)
	})
	mux.HandleFunc("POST /magic", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.FormValue("email"))
		mu.Unlock()
		fmt.Fprint(w, `<p>Check your email for a sign-in link.</p>`)
	})
	mux.HandleFunc("POST /session", func(w http.ResponseWriter, r *http.Request) { t.Errorf("a password form was sent") })
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	e := launch(t, "127.0.0.1")
	c, err := e.NewContext("a")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	page, said, err := c.RequestLink(t.Context(), "a", srv.URL+"/login", "lin@link.test")
	if err != nil {
		t.Fatal(err)
	}
	page.Close()
	mu.Lock()
	if len(asked) != 1 || asked[0] != "lin@link.test" || !strings.Contains(said, "Check your email") {
		t.Errorf("link requests %q, the app said %q", asked, said)
	}
	mu.Unlock()
	if _, _, err := c.RequestLink(t.Context(), "a", srv.URL+"/password-only", "lin@link.test"); err == nil || !strings.Contains(err.Error(), "offers no \"email me a link\" option") {
		t.Errorf("password-only page: %v", err)
	}
}

// Log out kept in an account menu that the app draws only when it is opened (PocketBase's dashboard, many SPAs):
// the menu is opened, its "Logout" used — the button, not the menu that now holds the word — and the app receives
// the logout; the settings and profile links beside it are never followed.
func TestLogoutInsideAnAccountMenu(t *testing.T) {
	for _, tt := range []struct{ name, page, used string }{
		{"a labelled menu", `<nav><a href="/settings">Settings</a><div role="button" tabindex="0" aria-label="Logged user menu" title="kim@menu.test" id="me">KM</div></nav>
<main>Your notes</main><div id="menu"></div>
<script>document.getElementById('me').onclick = () => {
  document.getElementById('me').innerHTML = 'KM <div class="dropdown"><a href="/profile">Profile</a><button id="out">Logout</button></div>';
  document.getElementById('out').onclick = () => fetch('/api/logout', {method: 'POST'}).then(() => { document.body.innerHTML = '<a href="/login">Log in</a>' });
}</script>`, "BUTTON Logout"},
		// An icon button known only by its id, its menu drawn at the end of the page (Material UI, Verdaccio).
		{"an icon button known by its id", `<header><a href="/settings">Settings</a><button class="MuiIconButton-root" id="header--button-account"><svg width="24" height="24"><circle cx="12" cy="12" r="10"/></svg></button></header>
<main>Your packages</main>
<script>document.getElementById('header--button-account').onclick = () => {
  document.body.insertAdjacentHTML('beforeend', '<ul role="menu"><li role="menuitem"><a href="/profile">kim</a></li><li role="menuitem" id="out">Logout</li></ul>');
  document.getElementById('out').onclick = () => fetch('/api/logout', {method: 'POST'}).then(() => { document.body.innerHTML = '<button>Login</button>' });
}</script>`, "LI Logout"},
	} {
		t.Run(tt.name, func(t *testing.T) { logoutInAMenu(t, tt.page, tt.used) })
	}
}

func logoutInAMenu(t *testing.T, page, want string) {
	var mu sync.Mutex
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Dashboard</title><body>`+page+`</body>`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	e := launch(t, "127.0.0.1")
	c, err := e.NewContext("a")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.Resume(t.Context(), "a", srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	used, err := s.Logout(t.Context())
	if err != nil || used != want+" (in the menu it opened)" {
		t.Fatalf("logout: %q, %v", used, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(got, "POST /api/logout") || slices.Contains(got, "GET /settings") || slices.Contains(got, "GET /profile") {
		t.Errorf("the app received %q, want the logout and no other page", got)
	}
}
