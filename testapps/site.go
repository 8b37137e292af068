package testapps

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// site is the core the server-rendered Tracker and Redirects apps share: a layout, a session cookie that carries the
// CSRF token from before the login and is rotated at login, the login, logout, settings and help pages.
type site struct {
	mode     Mode
	brand    string // "Tracker", "Notebook"
	cookie   string // the session cookie's name
	users    *users
	sessions *sessions[formSession]
	login    *limiter
	nav      func(email string) string // the signed-in account's own links, between the brand and Settings
}

// routes serves the shared pages on mux.
func (s *site) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		s.loginPage(w, s.current(w, r), "", "")
	})
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("POST /logout", s.handleLogout)
	mux.HandleFunc("GET /settings", func(w http.ResponseWriter, r *http.Request) {
		fs, ok := s.signedIn(w, r)
		if !ok {
			return
		}
		u := s.users.get(fs.email)
		s.render(w, http.StatusOK, "Settings", fs, fmt.Sprintf(`<h1>Settings</h1>
<dl class="profile"><dt>Name</dt><dd>%s</dd><dt>Email</dt><dd>%s</dd></dl>`, esc(u.name), esc(u.email)))
	})
	mux.HandleFunc("GET /help", func(w http.ResponseWriter, r *http.Request) {
		_, fs, _ := s.known(r)
		s.render(w, http.StatusOK, "Help", fs, fmt.Sprintf(`<h1>Help</h1>
<p>%s keeps your team's work in one place. Questions? Write to support and we answer within a working day.</p>`, esc(s.brand)))
	})
}

// known returns the request's existing session, without issuing one.
func (s *site) known(r *http.Request) (string, formSession, bool) {
	c, err := r.Cookie(s.cookie)
	if err != nil {
		return "", formSession{}, false
	}
	fs, ok := s.sessions.get(c.Value)
	return c.Value, fs, ok
}

// current returns the request's session, issuing a new pre-login one when it has none (or an unknown one).
func (s *site) current(w http.ResponseWriter, r *http.Request) formSession {
	if _, fs, ok := s.known(r); ok {
		return fs
	}
	return s.issue(w, "")
}

// issue creates a session (bound to email when set) and sets its cookie.
func (s *site) issue(w http.ResponseWriter, email string) formSession {
	fs := formSession{csrf: randHex(32), email: email}
	http.SetCookie(w, secureCookie(s.cookie, s.sessions.add(fs), 0))
	return fs
}

// account returns the signed-in session of the request, if any.
func (s *site) account(r *http.Request) (formSession, bool) {
	_, fs, ok := s.known(r)
	return fs, ok && fs.email != ""
}

// signedIn returns the signed-in session, or redirects to /login and returns false.
func (s *site) signedIn(w http.ResponseWriter, r *http.Request) (formSession, bool) {
	fs, ok := s.account(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusFound)
	}
	return fs, ok
}

// render writes a page in the layout; fs decides between the signed-in navigation and a Sign in link.
func (s *site) render(w http.ResponseWriter, status int, title string, fs formSession, main string) {
	nav := `<a href="/login">Sign in</a>`
	if fs.email != "" {
		nav = fmt.Sprintf(`%s <a href="/settings">Settings</a> <form method="post" action="/logout"><input type="hidden" name="authenticity_token" value="%s"><button type="submit">Sign out</button></form>`,
			s.nav(fs.email), fs.csrf)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%[1]s · %[2]s</title></head>
<body>
<header><nav><a href="/">%[2]s</a> %[3]s</nav></header>
<main>
%[4]s
</main>
<footer>© %[2]s · <a href="/help">Help</a></footer>
</body></html>
`, esc(title), esc(s.brand), nav, main)
}

// notFound writes the layout's 404 page.
func (s *site) notFound(w http.ResponseWriter, fs formSession) {
	s.render(w, http.StatusNotFound, "Not found", fs, `<h1>Not found</h1><p>The page you were looking for doesn't exist or you don't have access to it.</p>`)
}

func (s *site) loginPage(w http.ResponseWriter, fs formSession, email, alert string) {
	if alert != "" {
		alert = `<div class="alert alert-danger" role="alert">` + esc(alert) + "</div>\n"
	}
	s.render(w, http.StatusOK, "Sign in", formSession{}, fmt.Sprintf(`<h1>Sign in to %s</h1>
%s<form method="post" action="/login">
<input type="hidden" name="authenticity_token" value="%s">
<label for="email">Email</label>
<input type="email" name="email" id="email" value="%s" autocomplete="username">
<label for="password">Password</label>
<input type="password" name="password" id="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>`, esc(s.brand), alert, fs.csrf, esc(email)))
}

// form reads a form POST and checks its authenticity token against the session's; when ok is false the answer is
// written. big (with ok) is a Flawed read of a body over 1 MiB, not looked at.
func (s *site) form(w http.ResponseWriter, r *http.Request, view string) (v url.Values, id string, fs formSession, big, ok bool) {
	v, big, ok = formBody(w, r, s.mode, view, "authenticity_token")
	if !ok || big {
		return nil, "", formSession{}, big, ok
	}
	id, fs, known := s.known(r)
	if !known || subtle.ConstantTimeCompare([]byte(v.Get("authenticity_token")), []byte(fs.csrf)) != 1 {
		htmlError(w, http.StatusUnprocessableEntity, "Invalid authenticity token")
		return nil, "", formSession{}, false, false
	}
	return v, id, fs, false, true
}

func (s *site) handleLogin(w http.ResponseWriter, r *http.Request) {
	v, id, fs, big, ok := s.form(w, r, "login_view")
	switch {
	case !ok:
		return
	case big:
		s.loginPage(w, s.current(w, r), "", "Invalid email or password")
		return
	}
	email := v.Get("email")
	key := limitKey(r, email)
	if !s.login.take(key) {
		w.Header().Set("Retry-After", "60")
		s.render(w, http.StatusTooManyRequests, "Too many attempts", formSession{}, `<h1>Too many attempts. Try again later.</h1><p><a href="/login">Back to sign in</a></p>`)
		return
	}
	u, found := s.users.check(email, v.Get("password"))
	if !found {
		s.loginPage(w, fs, email, "Invalid email or password")
		return
	}
	s.login.give(key)
	s.sessions.drop(id) // rotate: the pre-login id dies, the signed-in session gets a new one
	s.issue(w, u.email)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *site) handleLogout(w http.ResponseWriter, r *http.Request) {
	_, id, _, big, ok := s.form(w, r, "logout_view")
	if big {
		htmlError(w, http.StatusUnprocessableEntity, "Invalid authenticity token")
	}
	if !ok || big {
		return
	}
	s.sessions.drop(id)
	http.SetCookie(w, secureCookie(s.cookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// firstName is the first word of a display name.
func firstName(name string) string {
	first, _, _ := strings.Cut(name, " ")
	return first
}
