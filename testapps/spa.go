package testapps

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// spaShell is the one HTML document of the single-page app; /static/app.js draws every view.
const spaShell = `<!doctype html><html><head><title>Projectly</title></head><body><div id="root">Loading…</div><script src="/static/app.js"></script></body></html>`

// spaRoutes is the route file the Flawed mode's stack traces name.
const spaRoutes = "/app/server/routes/auth.js"

type spa struct {
	mode   Mode
	users  *users
	tokens *sessions[string] // bearer token -> email
	login  *limiter
	reset  *limiter
}

// SPA starts a React/Vue-style single-page app: the login form is drawn by JavaScript, which POSTs JSON to
// /api/auth/login and keeps the returned bearer token in localStorage.
func SPA(t testing.TB, mode Mode) *App {
	a := Account{"alice@spa.test", "Alice-spa-Pass-7391"}
	b := Account{"bob@spa.test", "Bob-spa-Pass-2648"}
	s := &spa{mode: mode, tokens: newSessions[string](), login: newLimiter(mode), reset: newLimiter(mode),
		users: newUsers(a, b, [2]string{"Alice's launch plan", "Alice's budget Q3"}, [2]string{"Bob's hiring pipeline", "Bob's investor update"})}
	mux := http.NewServeMux()
	for _, p := range []string{"/{$}", "/login", "/forgot", "/signup", "/dashboard"} {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, spaShell)
		})
	}
	mux.HandleFunc("GET /static/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, spaScript)
	})
	mux.HandleFunc("POST /api/auth/login", s.handleLogin)
	mux.HandleFunc("POST /api/auth/logout", s.handleLogout)
	mux.HandleFunc("POST /api/auth/forgot", s.handleForgot)
	mux.HandleFunc("POST /api/auth/signup", s.handleSignup)
	mux.HandleFunc("GET /api/me", s.authed(func(w http.ResponseWriter, u user) {
		writeJSON(w, http.StatusOK, map[string]string{"email": u.email, "name": u.name})
	}))
	mux.HandleFunc("GET /api/projects", s.authed(func(w http.ResponseWriter, u user) {
		writeJSON(w, http.StatusOK, u.projects)
	}))
	return start(t, "spa", a, b, mux)
}

// bearer returns the request's token and the email it belongs to.
func (s *spa) bearer(r *http.Request) (string, string, bool) {
	tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || tok == "" {
		return "", "", false
	}
	email, ok := s.tokens.get(tok)
	return tok, email, ok
}

func (s *spa) authed(h func(http.ResponseWriter, user)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, email, ok := s.bearer(r)
		if !ok {
			jsonError(w, http.StatusUnauthorized, "Not authenticated")
			return
		}
		h(w, s.users.get(email))
	}
}

func (s *spa) handleLogin(w http.ResponseWriter, r *http.Request) {
	tok, ok := jsonLogin(w, r, s.mode, spaRoutes, s.users, s.login, func(u *user) string { return s.tokens.add(u.email) })
	if ok {
		writeJSON(w, http.StatusOK, map[string]string{"token": tok})
	}
}

func (s *spa) handleLogout(w http.ResponseWriter, r *http.Request) {
	tok, _, ok := s.bearer(r)
	if !ok {
		jsonError(w, http.StatusUnauthorized, "Not authenticated")
		return
	}
	s.tokens.drop(tok)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *spa) handleForgot(w http.ResponseWriter, r *http.Request) {
	jsonForgot(w, r, s.mode, spaRoutes, s.reset)
}

func (s *spa) handleSignup(w http.ResponseWriter, r *http.Request) {
	f, big, ok := jsonFields(w, r, s.mode, spaRoutes, "email", "password")
	switch {
	case !ok:
		return
	case big || !strings.Contains(f["email"], "@") || len(f["password"]) < 8:
		jsonError(w, http.StatusBadRequest, "Enter an email address and a password of at least 8 characters")
	case !s.users.add(f["email"], f["password"], f["name"]):
		jsonError(w, http.StatusConflict, "An account with this email already exists")
	default:
		writeJSON(w, http.StatusCreated, map[string]bool{"ok": true})
	}
}

// jsonLogin is the login endpoint of the JSON apps: it reads {email, password}, applies the Fixed mode's limiter and
// answers every failure itself; on success it returns what issue returned for the account.
func jsonLogin(w http.ResponseWriter, r *http.Request, mode Mode, file string, us *users, lim *limiter, issue func(*user) string) (string, bool) {
	f, big, ok := jsonFields(w, r, mode, file, "email", "password")
	if !ok {
		return "", false
	}
	if big {
		jsonError(w, http.StatusUnauthorized, "Invalid email or password")
		return "", false
	}
	key := limitKey(r, f["email"])
	if !lim.take(key) {
		w.Header().Set("Retry-After", "60")
		jsonError(w, http.StatusTooManyRequests, "Too many attempts, try again in 60 seconds")
		return "", false
	}
	u, found := us.check(f["email"], f["password"])
	if !found {
		jsonError(w, http.StatusUnauthorized, "Invalid email or password")
		return "", false
	}
	lim.give(key)
	return issue(u), true
}

// jsonForgot is the password-reset request endpoint of the JSON apps: always the same answer, 5 per minute per
// IP and email in Fixed mode.
func jsonForgot(w http.ResponseWriter, r *http.Request, mode Mode, file string, lim *limiter) {
	f, big, ok := jsonFields(w, r, mode, file, "email")
	if !ok {
		return
	}
	if !big && !lim.take(limitKey(r, f["email"])) {
		w.Header().Set("Retry-After", "60")
		jsonError(w, http.StatusTooManyRequests, "Too many attempts, try again in 60 seconds")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "If an account exists, we sent a reset link."})
}
