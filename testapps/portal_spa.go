package testapps

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// portalHandle is PortalSPA's rule on handles, checked on the server only.
var portalHandle = regexp.MustCompile(`^[a-z0-9]{3,15}$`)

// PortalSPA's messages.
const (
	spaMsgHandle    = "Handle may only contain lowercase letters and numbers (3–15 characters)."
	spaMsgTaken     = "That handle is taken."
	spaMsgEmail     = "Enter a valid email address."
	spaMsgEmailUsed = "An account with this email already exists."
	spaMsgShort     = "Password must be at least 10 characters."
	spaMsgLong      = "Password must be at most 72 bytes."
	spaMsgMismatch  = "Passwords do not match."
	spaMsgPlan      = "Choose a plan."
	spaMsgTerms     = "Accept the terms to continue."
	spaMsgCreated   = "Check your inbox to confirm your address."
	spaMsgTooMany   = "Too many attempts, try again in a minute."
	spaMsgBadLogin  = "Invalid email or password."
	spaMsgConfirm   = "Confirm your email first."
	spaMsgForgot    = "If that address has an account, a reset link is on its way."
	spaMsgNoAccount = "No account with that email."
	spaMsgBadLink   = "This link is invalid or has expired."
	spaMsgUpdated   = "Password updated. You can log in now."
	spaMsgAuth      = "Not authenticated."
	spaMsgBody      = "Invalid request body."
)

// PortalSPA's mail subjects (the owner notice is Portal's).
const (
	spaSubjConfirm = "Confirm your email"
	spaSubjReset   = "Reset your password"
)

// portalShell is PortalSPA's one HTML document: /app.js draws the view of location.pathname into <main id="app">.
const portalShell = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Portal</title></head>
<body>
<header><nav><a href="/">Portal</a> <a href="/login">Log in</a> <a href="/signup">Create account</a></nav></header>
<main id="app"><p>Loading…</p></main>
<script src="/app.js"></script>
</body></html>
`

// portalSPA is the PortalSPA app's state.
type portalSPA struct {
	mode     Mode
	accounts *portalAccounts
	tokens   *sessions[string] // bearer token -> handle
	signup   *limiter          // sign-ups per client IP (Fixed)
	forgot   *limiter          // reset requests per client IP (Fixed)
	mail     *portalMailer
}

// PortalSPA starts Portal's sign-up as a single-page app: one HTML shell for every page, forms drawn by /app.js that
// POST JSON to /api/* (no form action), field errors shown by the script next to their field (aria-invalid and
// aria-describedby), a bearer token kept in localStorage. The seeded accounts (handles ada and ben) are confirmed;
// DeliverTo sends the mail to an SMTP server. Fixed: 201 to a sign-up with a registered address as to a new one (the
// owner is mailed instead), the same answer to a reset request for any address, no login before the confirmation,
// single-use tokens, a reset that revokes every bearer token of the account, and 5 sign-ups and 5 reset requests per
// minute per client IP (then 429, Retry-After: 60). Flawed: 409 to a registered address, 404 to an unknown one on
// the reset request, lets unconfirmed accounts in, keeps tokens valid, limits nothing.
func PortalSPA(t testing.TB, mode Mode) *App {
	a := Account{"ada@portal.test", "Ada-portal-Pass-3141"}
	b := Account{"ben@portal.test", "Ben-portal-Pass-2718"}
	s := &portalSPA{mode: mode, accounts: newPortalAccounts(a, b), tokens: newSessions[string](),
		signup: newLimiter(mode), forgot: newLimiter(mode), mail: newPortalMailer(t)}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			jsonError(w, http.StatusNotFound, "Not found.")
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		default: // every page is the shell: the script draws the view of the path
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, portalShell)
		}
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, portalScript)
	})
	mux.HandleFunc("POST /api/signup", s.handleSignup)
	mux.HandleFunc("GET /api/confirm", s.confirm)
	mux.HandleFunc("POST /api/login", s.handleLogin)
	mux.HandleFunc("POST /api/logout", s.handleLogout)
	mux.HandleFunc("GET /api/me", s.me)
	mux.HandleFunc("POST /api/forgot", s.handleForgot)
	mux.HandleFunc("POST /api/reset", s.handleReset)
	app := start(t, "portal-spa", a, b, mux)
	s.mail.setBase(app.URL)
	app.DeliverTo = s.mail.deliverTo
	return app
}

// read decodes the JSON body (1 MiB at most) into v, else answers 400.
func (s *portalSPA) read(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(v); err != nil {
		jsonError(w, http.StatusBadRequest, spaMsgBody)
		return false
	}
	return true
}

// limited answers 429 with Retry-After when the client IP is over lim (Fixed), and reports it.
func (s *portalSPA) limited(w http.ResponseWriter, r *http.Request, lim *limiter) bool {
	if lim.take(limitKey(r, "")) { // keyed by the client IP only
		return false
	}
	w.Header().Set("Retry-After", "60")
	jsonError(w, http.StatusTooManyRequests, spaMsgTooMany)
	return true
}

// fieldErrors answers the fields' messages.
func fieldErrors(w http.ResponseWriter, status int, errs map[string]string) {
	writeJSON(w, status, map[string]map[string]string{"errors": errs})
}

// spaPassword adds the password rules' messages to errs.
func spaPassword(errs map[string]string, password, password2 string) {
	switch {
	case utf8.RuneCountInString(password) < 10:
		errs["password"] = spaMsgShort
	case len(password) > 72:
		errs["password"] = spaMsgLong
	}
	if password2 != password {
		errs["password2"] = spaMsgMismatch
	}
}

// handleSignup checks every field (all their messages at once, 422), then registers the account.
func (s *portalSPA) handleSignup(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, r, s.signup) {
		return
	}
	var in struct {
		Handle    string `json:"handle"`
		Email     string `json:"email"`
		Password  string `json:"password"`
		Password2 string `json:"password2"`
		Plan      string `json:"plan"`
		Terms     bool   `json:"terms"`
	}
	if !s.read(w, r, &in) {
		return
	}
	in.Email = strings.TrimSpace(in.Email)
	errs := map[string]string{}
	switch {
	case !portalHandle.MatchString(in.Handle):
		errs["handle"] = spaMsgHandle
	case s.accounts.nameTaken(in.Handle):
		errs["handle"] = spaMsgTaken
	}
	if !portalEmail(in.Email) {
		errs["email"] = spaMsgEmail
	}
	spaPassword(errs, in.Password, in.Password2)
	if in.Plan != "free" && in.Plan != "team" {
		errs["plan"] = spaMsgPlan
	}
	if !in.Terms {
		errs["terms"] = spaMsgTerms
	}
	if len(errs) > 0 {
		fieldErrors(w, http.StatusUnprocessableEntity, errs)
		return
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.MinCost)
	switch s.accounts.create(in.Handle, in.Email, hash) {
	case "name":
		fieldErrors(w, http.StatusUnprocessableEntity, map[string]string{"handle": spaMsgTaken})
		return
	case "email":
		if s.mode == Flawed {
			fieldErrors(w, http.StatusConflict, map[string]string{"email": spaMsgEmailUsed})
			return
		}
		owner, _ := s.accounts.find(in.Email, false)
		s.mail.send(owner.email, portalSubjTried, fmt.Sprintf(`Hi %s,

Someone just tried to create a Portal account with your email address. You already have one: log in, or reset
your password if you forgot it. If it was not you, you can ignore this email.`, owner.name), "/forgot")
	default:
		token := s.accounts.code("confirm", in.Handle)
		s.mail.send(in.Email, spaSubjConfirm, fmt.Sprintf(`Hi %s,

Confirm your email address to finish creating your Portal account:`, in.Handle), "/api/confirm?token="+token)
	}
	writeJSON(w, http.StatusCreated, map[string]string{"message": spaMsgCreated})
}

// confirm marks the account of a valid token confirmed and sends the browser to the login page; Fixed spends the
// token, Flawed keeps it valid. An invalid token gets 400 JSON.
func (s *portalSPA) confirm(w http.ResponseWriter, r *http.Request) {
	handle, ok := s.accounts.use("confirm", r.URL.Query().Get("token"), s.mode == Fixed)
	if !ok {
		jsonError(w, http.StatusBadRequest, spaMsgBadLink)
		return
	}
	s.accounts.confirm(handle)
	http.Redirect(w, r, "/login?confirmed=1", http.StatusSeeOther)
}

// handleLogin answers a bearer token to a confirmed account's email and password (Flawed: any account's).
func (s *portalSPA) handleLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if !s.read(w, r, &in) {
		return
	}
	u, _, ok := s.accounts.check(s.mode, in.Email, in.Password, false)
	switch {
	case !ok:
		jsonError(w, http.StatusUnauthorized, spaMsgBadLogin)
	case !u.confirmed && s.mode == Fixed:
		jsonError(w, http.StatusForbidden, spaMsgConfirm)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"token": s.tokens.add(u.name)})
	}
}

// bearer returns the request's token and its account's handle.
func (s *portalSPA) bearer(r *http.Request) (string, string, bool) {
	tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || tok == "" {
		return "", "", false
	}
	handle, ok := s.tokens.get(tok)
	return tok, handle, ok
}

// handleLogout revokes the request's token.
func (s *portalSPA) handleLogout(w http.ResponseWriter, r *http.Request) {
	tok, _, ok := s.bearer(r)
	if !ok {
		jsonError(w, http.StatusUnauthorized, spaMsgAuth)
		return
	}
	s.tokens.drop(tok)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// me is the token's account.
func (s *portalSPA) me(w http.ResponseWriter, r *http.Request) {
	_, handle, ok := s.bearer(r)
	u, found := s.accounts.find(handle, true)
	if !ok || !found {
		jsonError(w, http.StatusUnauthorized, spaMsgAuth)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"handle": u.name, "email": u.email})
}

// handleForgot mails a reset link to a registered address. Fixed gives any address the same answer.
func (s *portalSPA) handleForgot(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, r, s.forgot) {
		return
	}
	var in struct {
		Email string `json:"email"`
	}
	if !s.read(w, r, &in) {
		return
	}
	u, known := s.accounts.find(in.Email, false)
	if !known && s.mode == Flawed {
		jsonError(w, http.StatusNotFound, spaMsgNoAccount)
		return
	}
	if known {
		token := s.accounts.code("reset", u.name)
		s.mail.send(u.email, spaSubjReset, fmt.Sprintf(`Hi %s,

Someone asked to reset your Portal password. Open this link within the next hour to choose a new one:`, u.name),
			"/reset?token="+token)
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": spaMsgForgot})
}

// handleReset sets a valid token's account's password. Fixed: the token is spent and every bearer token of the
// account revoked; Flawed keeps both.
func (s *portalSPA) handleReset(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token     string `json:"token"`
		Password  string `json:"password"`
		Password2 string `json:"password2"`
	}
	if !s.read(w, r, &in) {
		return
	}
	if _, ok := s.accounts.use("reset", in.Token, false); !ok {
		jsonError(w, http.StatusBadRequest, spaMsgBadLink)
		return
	}
	errs := map[string]string{}
	if spaPassword(errs, in.Password, in.Password2); len(errs) > 0 {
		fieldErrors(w, http.StatusUnprocessableEntity, errs)
		return
	}
	handle, ok := s.accounts.use("reset", in.Token, s.mode == Fixed)
	if !ok { // spent meanwhile
		jsonError(w, http.StatusBadRequest, spaMsgBadLink)
		return
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.MinCost)
	s.accounts.setHash(handle, hash)
	if s.mode == Fixed {
		dropWhere(s.tokens, func(h string) bool { return h == handle })
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": spaMsgUpdated})
}
