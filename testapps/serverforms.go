package testapps

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// formSession is a server-side session of the ServerForms app: its CSRF token and, once logged in, its account.
type formSession struct{ csrf, email string }

type serverForms struct {
	mode     Mode
	users    *users
	sessions *sessions[formSession] // _app_session cookie -> session
	login    *limiter
	reset    *limiter
}

// ServerForms starts a Rails/Django-style app: server-rendered forms that POST application/x-www-form-urlencoded
// with a hidden authenticity_token, a pre-login session cookie that is rotated at login.
func ServerForms(t testing.TB, mode Mode) *App {
	a := Account{"alice@serverforms.test", "Alice-forms-Pass-4417"}
	b := Account{"bob@serverforms.test", "Bob-forms-Pass-8825"}
	s := &serverForms{mode: mode, sessions: newSessions[formSession](), login: newLimiter(mode), reset: newLimiter(mode),
		users: newUsers(a, b, [2]string{"Alice's supplier contracts", "Alice's tax filing"}, [2]string{"Bob's board deck", "Bob's salary bands"})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s.current(w, r)
		s.render(w, http.StatusOK, "Ledgerly", `<h1>Ledgerly</h1><p>Bookkeeping for small teams.</p><p><a href="/login">Sign in</a></p>`)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		s.loginPage(w, http.StatusOK, s.current(w, r), "", "")
	})
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("GET /projects", s.projects)
	mux.HandleFunc("POST /logout", s.handleLogout)
	mux.HandleFunc("GET /password/reset", func(w http.ResponseWriter, r *http.Request) {
		s.resetPage(w, s.current(w, r))
	})
	mux.HandleFunc("POST /password/reset", s.handleReset)
	return start(t, "serverforms", a, b, mux)
}

// current returns the request's session id, issuing a new pre-login session when it has none (or an unknown one).
func (s *serverForms) current(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie("_app_session"); err == nil {
		if _, ok := s.sessions.get(c.Value); ok {
			return c.Value
		}
	}
	return s.issue(w, "")
}

// issue creates a session (bound to email when set) and sets its cookie.
func (s *serverForms) issue(w http.ResponseWriter, email string) string {
	id := s.sessions.add(formSession{csrf: randHex(32), email: email})
	http.SetCookie(w, secureCookie("_app_session", id, 0))
	return id
}

// known returns the request's existing session, without issuing one.
func (s *serverForms) known(r *http.Request) (string, formSession, bool) {
	c, err := r.Cookie("_app_session")
	if err != nil {
		return "", formSession{}, false
	}
	fs, ok := s.sessions.get(c.Value)
	return c.Value, fs, ok
}

func (s *serverForms) csrfOf(id string) string {
	fs, _ := s.sessions.get(id)
	return fs.csrf
}

func (s *serverForms) render(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s · Ledgerly</title></head>\n<body>\n%s\n</body></html>\n", esc(title), body)
}

func (s *serverForms) loginPage(w http.ResponseWriter, status int, id, email, alert string) {
	if alert != "" {
		alert = `<div class="alert alert-danger" role="alert">` + esc(alert) + "</div>\n"
	}
	s.render(w, status, "Sign in", fmt.Sprintf(`<h1>Sign in</h1>
%s<form method="post" action="/login">
<input type="hidden" name="authenticity_token" value="%s">
<label for="email">Email</label>
<input type="email" name="email" id="email" value="%s" autocomplete="username">
<label for="password">Password</label>
<input type="password" name="password" id="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
<p><a href="/password/reset">Forgot your password?</a></p>`, alert, s.csrfOf(id), esc(email)))
}

func (s *serverForms) resetPage(w http.ResponseWriter, id string) {
	s.render(w, http.StatusOK, "Reset your password", fmt.Sprintf(`<h1>Reset your password</h1>
<form method="post" action="/password/reset">
<input type="hidden" name="authenticity_token" value="%s">
<label for="email">Email</label>
<input type="email" name="email" id="email" autocomplete="username">
<button type="submit">Send reset instructions</button>
</form>
<p><a href="/login">Back to sign in</a></p>`, s.csrfOf(id)))
}

func (s *serverForms) tooMany(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "60")
	s.render(w, http.StatusTooManyRequests, "Too many attempts", `<h1>Too many attempts. Try again later.</h1><p><a href="/login">Back to sign in</a></p>`)
}

// post reads a form POST: the body (per mode), then the authenticity token, then the required fields. When ok is
// false the answer is written; big (with ok) is a Flawed read of a body over 1 MiB, not looked at.
func (s *serverForms) post(w http.ResponseWriter, r *http.Request, view string, need ...string) (v url.Values, id string, big, ok bool) {
	first := "authenticity_token"
	if len(need) > 0 {
		first = need[0]
	}
	v, big, ok = formBody(w, r, s.mode, view, first)
	if !ok || big {
		return nil, "", big, ok
	}
	id, fs, known := s.known(r)
	if !known || subtle.ConstantTimeCompare([]byte(v.Get("authenticity_token")), []byte(fs.csrf)) != 1 {
		htmlError(w, http.StatusUnprocessableEntity, "Invalid authenticity token")
		return nil, "", false, false
	}
	for _, n := range need {
		if _, has := v[n]; has {
			continue
		}
		if s.mode == Flawed {
			djangoCrash(w, r, view, n)
		} else {
			htmlError(w, http.StatusBadRequest, "Bad request: "+n+" is missing.")
		}
		return nil, "", false, false
	}
	return v, id, false, true
}

func (s *serverForms) handleLogin(w http.ResponseWriter, r *http.Request) {
	v, id, big, ok := s.post(w, r, "login_view", "email", "password")
	switch {
	case !ok:
		return
	case big:
		s.loginPage(w, http.StatusOK, s.current(w, r), "", "Invalid email or password")
		return
	}
	email := v.Get("email")
	key := limitKey(r, email)
	if !s.login.take(key) {
		s.tooMany(w)
		return
	}
	u, found := s.users.check(email, v.Get("password"))
	if !found {
		s.loginPage(w, http.StatusOK, id, email, "Invalid email or password")
		return
	}
	s.login.give(key)
	s.sessions.drop(id) // rotate: the pre-login id dies, the logged-in session gets a new one
	s.issue(w, u.email)
	http.Redirect(w, r, "/projects", http.StatusFound)
}

func (s *serverForms) projects(w http.ResponseWriter, r *http.Request) {
	_, fs, ok := s.known(r)
	if !ok || fs.email == "" {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	u := s.users.get(fs.email)
	var b strings.Builder
	fmt.Fprintf(&b, "<h1>Projects</h1>\n<p>Signed in as <strong>%s</strong></p>\n<ul class=\"projects\">\n", esc(u.email))
	for _, p := range u.projects {
		fmt.Fprintf(&b, "<li>%s</li>\n", esc(p.Name))
	}
	fmt.Fprintf(&b, `</ul>
<form method="post" action="/logout">
<input type="hidden" name="authenticity_token" value="%s">
<button type="submit">Sign out</button>
</form>`, fs.csrf)
	s.render(w, http.StatusOK, "Projects", b.String())
}

func (s *serverForms) handleLogout(w http.ResponseWriter, r *http.Request) {
	_, id, big, ok := s.post(w, r, "logout_view")
	if big {
		htmlError(w, http.StatusUnprocessableEntity, "Invalid authenticity token")
	}
	if !ok || big {
		return
	}
	s.sessions.drop(id)
	http.SetCookie(w, secureCookie("_app_session", "", -1))
	http.Redirect(w, r, "/login", http.StatusFound)
}

func (s *serverForms) handleReset(w http.ResponseWriter, r *http.Request) {
	v, _, big, ok := s.post(w, r, "password_reset_view", "email")
	if !ok {
		return
	}
	if !big && !s.reset.take(limitKey(r, v.Get("email"))) {
		s.tooMany(w)
		return
	}
	s.render(w, http.StatusOK, "Check your email", `<h1>Check your email</h1><p>If that address has an account, instructions are on their way.</p><p><a href="/login">Back to sign in</a></p>`)
}
