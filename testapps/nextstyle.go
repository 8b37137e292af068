package testapps

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// nextRoutes is the route file the Flawed mode's stack traces name.
const nextRoutes = "/app/.next/server/pages/api/auth/login.js"

type nextStyle struct {
	mode     Mode
	key      []byte // signs csrf_secret into the page's CSRF token
	users    *users
	sessions *sessions[string] // session cookie -> email
	login    *limiter
	reset    *limiter
}

// NextStyle starts a Next.js/Express-style app: server-rendered pages whose script POSTs JSON to /api/auth/login
// with an x-csrf-token header read from a meta tag; the login sets an HttpOnly session cookie.
func NextStyle(t testing.TB, mode Mode) *App {
	a := Account{"alice@nextstyle.test", "Alice-next-Pass-5182"}
	b := Account{"bob@nextstyle.test", "Bob-next-Pass-9034"}
	s := &nextStyle{mode: mode, key: []byte(randHex(32)), sessions: newSessions[string](), login: newLimiter(mode), reset: newLimiter(mode),
		users: newUsers(a, b, [2]string{"Alice's pricing page rewrite", "Alice's churn analysis"}, [2]string{"Bob's onboarding emails", "Bob's partner list"})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page("Acme", `<h1>Acme — ship faster</h1><p>Plan your launch with your team.</p><p><a href="/login">Log in</a></p>`, ""))
	mux.HandleFunc("GET /login", s.page("Log in", `<h1>Log in</h1>
<form id="login-form">
<label>Email <input type="email" name="email" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Log in</button>
<div role="alert" id="error"></div>
</form>
<p><a href="/forgot-password">Forgot password?</a></p>`, "login"))
	mux.HandleFunc("GET /forgot-password", s.page("Forgot password", `<h1>Forgot your password?</h1>
<form id="forgot-form">
<label>Email <input type="email" name="email" autocomplete="username"></label>
<button type="submit">Send reset link</button>
<p role="status" id="status"></p>
</form>
<p><a href="/login">Back to log in</a></p>`, "forgot-password"))
	mux.HandleFunc("GET /dashboard", s.dashboard)
	for name, js := range map[string]string{"login": nextLoginJS, "dashboard": nextDashboardJS, "forgot-password": nextForgotJS} {
		mux.HandleFunc("GET /_next/static/chunks/pages/"+name+".js", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			io.WriteString(w, js)
		})
	}
	mux.HandleFunc("POST /api/auth/login", s.csrf(s.handleLogin))
	mux.HandleFunc("POST /api/auth/logout", s.csrf(s.handleLogout))
	mux.HandleFunc("POST /api/auth/forgot", s.csrf(func(w http.ResponseWriter, r *http.Request) {
		jsonForgot(w, r, s.mode, nextRoutes, s.reset)
	}))
	mux.HandleFunc("GET /api/me", s.authed(func(w http.ResponseWriter, u user) {
		writeJSON(w, http.StatusOK, map[string]string{"email": u.email, "name": u.name})
	}))
	mux.HandleFunc("GET /api/projects", s.authed(func(w http.ResponseWriter, u user) {
		writeJSON(w, http.StatusOK, u.projects)
	}))
	return start(t, "nextstyle", a, b, mux)
}

// token is the CSRF token bound to a csrf_secret cookie value.
func (s *nextStyle) token(secret string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

// pageToken sets csrf_secret when the request has none and returns the token for the page's meta tag.
func (s *nextStyle) pageToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie("csrf_secret"); err == nil && c.Value != "" {
		return s.token(c.Value)
	}
	secret := randHex(24)
	http.SetCookie(w, secureCookie("csrf_secret", secret, 0))
	return s.token(secret)
}

// render writes a server-rendered page with the CSRF meta tag and, when script is set, its page chunk.
func (s *nextStyle) render(w http.ResponseWriter, r *http.Request, title, body, script string) {
	tok := s.pageToken(w, r)
	if script != "" {
		body += "\n" + `<script src="/_next/static/chunks/pages/` + script + `.js"></script>`
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s · Acme</title><meta name="csrf-token" content="%s"></head>
<body><div id="__next">
%s
</div></body></html>
`, esc(title), tok, body)
}

func (s *nextStyle) page(title, body, script string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.render(w, r, title, body, script) }
}

// csrf refuses a state-changing call whose x-csrf-token header does not match its csrf_secret cookie, before the
// body is read.
func (s *nextStyle) csrf(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("csrf_secret")
		got := r.Header.Get("x-csrf-token")
		if err != nil || c.Value == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.token(c.Value))) != 1 {
			jsonError(w, http.StatusForbidden, "invalid csrf token")
			return
		}
		h(w, r)
	}
}

// session returns the session cookie's id and its account.
func (s *nextStyle) session(r *http.Request) (string, string, bool) {
	c, err := r.Cookie("session")
	if err != nil {
		return "", "", false
	}
	email, ok := s.sessions.get(c.Value)
	return c.Value, email, ok
}

func (s *nextStyle) authed(h func(http.ResponseWriter, user)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, email, ok := s.session(r)
		if !ok {
			jsonError(w, http.StatusUnauthorized, "Not authenticated")
			return
		}
		h(w, s.users.get(email))
	}
}

func (s *nextStyle) dashboard(w http.ResponseWriter, r *http.Request) {
	_, email, ok := s.session(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	u := s.users.get(email)
	var b strings.Builder
	fmt.Fprintf(&b, "<h1>Dashboard</h1>\n<p>Signed in as <strong id=\"who\">%s</strong></p>\n<h2>Your projects</h2>\n<ul id=\"projects\">\n", esc(u.email))
	for _, p := range u.projects {
		fmt.Fprintf(&b, "<li>%s</li>\n", esc(p.Name))
	}
	b.WriteString(`</ul>` + "\n" + `<button id="logout">Log out</button>`)
	s.render(w, r, "Dashboard", b.String(), "dashboard")
}

func (s *nextStyle) handleLogin(w http.ResponseWriter, r *http.Request) {
	if _, ok := jsonLogin(w, r, s.mode, nextRoutes, s.users, s.login, func(u *user) string {
		http.SetCookie(w, secureCookie("session", s.sessions.add(u.email), 86400))
		return ""
	}); ok {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	}
}

func (s *nextStyle) handleLogout(w http.ResponseWriter, r *http.Request) {
	if id, _, ok := s.session(r); ok {
		s.sessions.drop(id)
	}
	http.SetCookie(w, secureCookie("session", "", -1))
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}
