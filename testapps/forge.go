package testapps

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// forgeCookie is the Forge app's session cookie.
const forgeCookie = "forge_session"

// forgeHashTime is how long one password check should take, as a production bcrypt cost does: long enough that a
// login which skips it for unknown addresses is a timing oracle seen over a network, whatever this machine is (the
// race detector slows bcrypt twentyfold).
const forgeHashTime = 30 * time.Millisecond

// forgeCost is the bcrypt cost whose check takes about forgeHashTime here, measured once: the fastest of five
// checks, since a machine busy with other tests only slows one down (a single slow one chose a cost whose check
// took 5 ms, and the Flawed app's timing gap was gone).
var forgeCost = sync.OnceValue(func() int {
	h, _ := bcrypt.GenerateFromPassword([]byte("calibrate"), bcrypt.MinCost)
	took := time.Hour
	for range 5 {
		start := time.Now()
		_ = bcrypt.CompareHashAndPassword(h, []byte("calibrate"))
		took = min(took, time.Since(start))
	}
	took = max(took, 50*time.Microsecond)
	cost := bcrypt.MinCost
	for took < forgeHashTime && cost < 14 {
		cost++
		took *= 2
	}
	return cost
})

// forgeUser is an account of the Forge app with its one private repository.
type forgeUser struct {
	email, name, repo, readme string
	hash                      []byte // bcrypt, at forgeCost
}

// forgeModes are the settings that differ between the modes.
type forgeModes struct {
	idBytes  int    // random bytes of a session id (hex: twice as many characters)
	maxAge   int    // the session cookie's Max-Age, in seconds
	referrer string // the layout's <meta name="referrer">
	csp      string // the layout's <meta http-equiv="Content-Security-Policy">
}

// forge is the Forge app's state: its accounts and its server-side sessions.
type forge struct {
	mode     Mode
	opt      forgeModes
	accounts map[string]*forgeUser  // by lowercased email and by name
	dummy    []byte                 // the hash Fixed checks an unknown address's password against
	sessions *sessions[formSession] // forge_session cookie -> session
}

// Forge starts a Gitea-style code-hosting app: server-rendered pages, a hidden _csrf field, a pre-login session cookie
// and two preference cookies (lang, theme) on every visitor, the referrer policy and the CSP as <meta> tags of the
// layout only. Each account owns one private repository at /{name}/{repo}, a 404 to anyone else. Both modes answer
// the same page and flash to an unknown address and a wrong password, and neither limits logins. Fixed: 16-hex-char
// (64-bit) session ids, rotated at login and deleted at logout, a 7-day cookie, bcrypt for every address (a dummy
// hash for unknown ones), a same-origin referrer and a strict CSP. Flawed: 8-hex-char (32-bit) session ids kept
// across the login (fixation) and still valid after logout (only the browser's cookie is cleared), a 400-day cookie,
// bcrypt only for known addresses (a timing oracle), an unsafe-url referrer and a CSP allowing any inline script.
func Forge(t testing.TB, mode Mode) *App {
	a := Account{"fern@forge.test", "Fern-forge-Pass-6620"}
	b := Account{"gus@forge.test", "Gus-forge-Pass-4471"}
	f := &forge{mode: mode, accounts: map[string]*forgeUser{}, sessions: newSessions[formSession](),
		opt: forgeModes{4, 400 * 24 * 3600, "unsafe-url", "script-src * 'unsafe-inline'"}}
	if mode == Fixed {
		f.opt = forgeModes{8, 7 * 24 * 3600, "same-origin",
			"default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"}
	}
	private := map[string][]string{}
	f.dummy, _ = bcrypt.GenerateFromPassword([]byte(randHex(16)), forgeCost())
	for _, s := range []struct {
		acc                Account
		repo, code, secret string
	}{
		{a, "notes-repo", "Juniper", "Invoice INV-20931 for Alder Finch Ltd"},
		{b, "budget-repo", "Marlin", "Lease renewal with Harbor Point Storage"},
	} {
		code := s.code + "-" + randHex(2)
		hash, _ := bcrypt.GenerateFromPassword([]byte(s.acc.Password), forgeCost())
		u := &forgeUser{email: s.acc.Email, name: strings.SplitN(s.acc.Email, "@", 2)[0], repo: s.repo, hash: hash,
			readme: fmt.Sprintf("Release codename %s. %s.", code, s.secret)}
		f.accounts[u.email], f.accounts[u.name] = u, u
		private[u.email] = []string{code, s.secret}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", f.with(func(w http.ResponseWriter, _ *http.Request, _ string, fs formSession) { f.notFound(w, fs) }))
	mux.HandleFunc("GET /{$}", f.with(f.home))
	mux.HandleFunc("GET /user/login", f.with(func(w http.ResponseWriter, _ *http.Request, _ string, fs formSession) {
		f.loginPage(w, fs, "")
	}))
	mux.HandleFunc("POST /user/login", f.with(f.login))
	mux.HandleFunc("POST /user/logout", f.with(f.logout))
	mux.HandleFunc("GET /user/settings", f.with(f.settings))
	mux.HandleFunc("GET /{user}/{repo}", f.with(f.repo))
	app := start(t, "forge", a, b, mux)
	app.Private = private
	return app
}

// with sets the security headers and the missing preference cookies, then runs h with the request's session,
// issuing a pre-login one when the request has no valid session cookie.
func (f *forge) with(h func(w http.ResponseWriter, r *http.Request, id string, fs formSession)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		for _, p := range [][2]string{{"lang", "en-US"}, {"theme", "auto"}} {
			if _, err := r.Cookie(p[0]); err != nil {
				http.SetCookie(w, &http.Cookie{Name: p[0], Value: p[1], Path: "/", MaxAge: 365 * 24 * 3600, Secure: true, SameSite: http.SameSiteLaxMode})
			}
		}
		if c, err := r.Cookie(forgeCookie); err == nil {
			if fs, ok := f.sessions.get(c.Value); ok {
				h(w, r, c.Value, fs)
				return
			}
		}
		id, fs := f.issue(w, "")
		h(w, r, id, fs)
	}
}

// issue creates a session (bound to email when set) under a new random id and sets its cookie.
func (f *forge) issue(w http.ResponseWriter, email string) (string, formSession) {
	var id string
	for taken := true; taken; _, taken = f.sessions.get(id) {
		id = randHex(f.opt.idBytes)
	}
	fs := formSession{csrf: randHex(32), email: email}
	f.sessions.set(id, fs)
	http.SetCookie(w, secureCookie(forgeCookie, id, f.opt.maxAge))
	return id, fs
}

// render writes a page in the layout; fs decides between the signed-in navigation and a Sign in link.
func (f *forge) render(w http.ResponseWriter, status int, title string, fs formSession, main string) {
	nav := `<a href="/user/login">Sign in</a>`
	if fs.email != "" {
		nav = fmt.Sprintf(`<a href="/user/settings">Settings</a> <form method="post" action="/user/logout"><input type="hidden" name="_csrf" value="%s"><button type="submit">Sign out</button></form>`, fs.csrf)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8">
<meta name="referrer" content="%s">
<meta http-equiv="Content-Security-Policy" content="%s">
<title>%s · Forge</title></head>
<body>
<header><nav><a href="/">Forge</a> %s</nav></header>
<main>%s</main>
<footer>Powered by Forge</footer>
</body></html>
`, f.opt.referrer, f.opt.csp, esc(title), nav, main)
}

// notFound writes the layout's 404 page.
func (f *forge) notFound(w http.ResponseWriter, fs formSession) {
	f.render(w, http.StatusNotFound, "Not found", fs, `<h1>Not found</h1><p>The page you are looking for does not exist or is private.</p>`)
}

// csrfOK reports whether the form's _csrf field is the session's token, else answers 403.
func (f *forge) csrfOK(w http.ResponseWriter, r *http.Request, fs formSession) bool {
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("_csrf")), []byte(fs.csrf)) == 1 {
		return true
	}
	f.render(w, http.StatusForbidden, "Forbidden", fs, `<h1>Forbidden</h1><p>Invalid CSRF token. Reload the page and try again.</p>`)
	return false
}

// home is the dashboard of the signed-in account, else the public landing page.
func (f *forge) home(w http.ResponseWriter, _ *http.Request, _ string, fs formSession) {
	if fs.email == "" {
		f.render(w, http.StatusOK, "Forge", fs, `<h1>Forge</h1><p>Painless self-hosted code hosting.</p><p><a href="/user/login">Sign in</a></p>`)
		return
	}
	u := f.accounts[fs.email]
	f.render(w, http.StatusOK, "Dashboard", fs, fmt.Sprintf(`<h1>Dashboard</h1><p>Signed in as %s</p><a href="/%s/%s">%s</a>`,
		esc(u.email), u.name, u.repo, u.repo))
}

// loginPage writes the sign-in form, with the flash when set.
func (f *forge) loginPage(w http.ResponseWriter, fs formSession, flash string) {
	if flash != "" {
		flash = `<div class="flash flash-error" role="alert">` + esc(flash) + "</div>\n"
	}
	f.render(w, http.StatusOK, "Sign in", formSession{}, fmt.Sprintf(`<h1>Sign in</h1>
%s<form method="post" action="/user/login">
<input type="hidden" name="_csrf" value="%s">
<label for="user_name">Username or email address</label>
<input type="text" name="user_name" id="user_name" autocomplete="username" required>
<label for="password">Password</label>
<input type="password" name="password" id="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`, flash, fs.csrf))
}

// check returns the account when login (a name or an email) and password match one. Flawed returns at once for an
// unknown login; Fixed runs bcrypt against a dummy hash then.
func (f *forge) check(login, password string) (*forgeUser, bool) {
	u := f.accounts[strings.ToLower(strings.TrimSpace(login))]
	hash := f.dummy
	switch {
	case u != nil:
		hash = u.hash
	case f.mode == Flawed:
		return nil, false
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	return u, u != nil && err == nil
}

// login checks the _csrf field and the credentials, then signs the session in and redirects to the dashboard.
func (f *forge) login(w http.ResponseWriter, r *http.Request, id string, fs formSession) {
	if !f.csrfOK(w, r, fs) {
		return
	}
	u, ok := f.check(r.PostFormValue("user_name"), r.PostFormValue("password"))
	if !ok {
		f.loginPage(w, fs, "Username or password is incorrect.")
		return
	}
	if f.mode == Fixed {
		f.sessions.drop(id) // rotate: the pre-login id dies, the signed-in session gets a new one
		f.issue(w, u.email)
	} else {
		f.sessions.set(id, formSession{csrf: fs.csrf, email: u.email}) // fixation: the pre-login id is now signed in
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout checks the _csrf field, signs out (per mode) and redirects to the landing page.
func (f *forge) logout(w http.ResponseWriter, r *http.Request, id string, fs formSession) {
	if !f.csrfOK(w, r, fs) {
		return
	}
	if f.mode == Fixed {
		f.sessions.drop(id) // Flawed only clears the browser's cookie: the id stays signed in
	}
	http.SetCookie(w, secureCookie(forgeCookie, "", -1))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// settings shows the signed-in account's email, else redirects to the sign-in form.
func (f *forge) settings(w http.ResponseWriter, r *http.Request, _ string, fs formSession) {
	if fs.email == "" {
		http.Redirect(w, r, "/user/login", http.StatusSeeOther)
		return
	}
	f.render(w, http.StatusOK, "Settings", fs, fmt.Sprintf(`<h1>Settings</h1><dl class="profile"><dt>Email</dt><dd>%s</dd></dl>`, esc(fs.email)))
}

// repo is a repository page, shown to its owner only.
func (f *forge) repo(w http.ResponseWriter, r *http.Request, _ string, fs formSession) {
	u := f.accounts[fs.email]
	if u == nil || r.PathValue("user") != u.name || r.PathValue("repo") != u.repo {
		f.notFound(w, fs)
		return
	}
	f.render(w, http.StatusOK, u.name+"/"+u.repo, fs, fmt.Sprintf(`<h1>%s/%s</h1><p class="private">Private</p><article class="readme"><p>%s</p></article>`,
		u.name, u.repo, esc(u.readme)))
}
