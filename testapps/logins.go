package testapps

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"
)

// The session lifetimes of the login apps: Flawed keeps a session cookie for 90 days, Fixed for 8 hours.
const (
	loginFlawedAge = 90 * 24 * 60 * 60
	loginFixedAge  = 8 * 60 * 60
)

// LoginApp is one of the apps whose login the audit cannot type: single sign-on on a second host, a magic link, a
// one-time code, a bearer token kept in localStorage. They share one multi-tenant core (loginCore) and differ only
// in how one signs in.
type LoginApp struct {
	*App                          // Name "sso", "magic", "totp" or "bearer"
	IdPURL      string            // sso only: the identity provider's public URL, "https://idp.test:PORT/"
	IdPAddr     string            // sso only: where idp.test really listens, "127.0.0.1:PORT"
	TOTPSecret  map[string]string // totp only: account email -> base32 secret
	IdPRequests func() []string   // sso only: every request the identity provider received, method + request URI
	core        *loginCore        // the app's accounts, projects and sessions
}

// loginAccount is an account of a login app.
type loginAccount struct{ email, password, name string }

// loginProject is a private project; its id is a random UUID.
type loginProject struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	owner string // the owner's email
}

// loginCore is the app the four login apps share: two accounts with two projects each, a dashboard, project pages,
// a JSON API and a logout. The session is a cookie (or, when cookie is "", a bearer token) mapped to an email.
// Flawed: any signed-in account reads any project, logout leaves the server session alive, the session id is 8 hex
// characters and its cookie lacks HttpOnly and lives 90 days. Fixed: another account's project is a 404, logout
// ends the session, the id is 32 random bytes (hex) in an HttpOnly, Secure, SameSite=Lax cookie of 8 hours.
type loginCore struct {
	mode     Mode
	brand    string                  // the app's name in its pages
	cookie   string                  // the session cookie's name, "" in the bearer app
	accounts map[string]loginAccount // by lowercased email
	projects []loginProject
	sessions *sessions[string] // session id or bearer token -> account email
}

// loginNames are the display names of the accounts A and B.
var loginNames = [2]string{"Alice Archer", "Bob Brennan"}

// loginProjects are the project names of the accounts A and B: their private values.
var loginProjects = [2][2]string{{"Alice's launch plan", "Alice's budget Q3"}, {"Bob's hiring pipeline", "Bob's investor update"}}

// newLoginCore holds a and b with their projects and returns the private values by email.
func newLoginCore(mode Mode, brand, cookie string, a, b Account) (*loginCore, map[string][]string) {
	c := &loginCore{mode: mode, brand: brand, cookie: cookie, accounts: map[string]loginAccount{}, sessions: newSessions[string]()}
	private := map[string][]string{}
	for i, acc := range []Account{a, b} {
		c.accounts[strings.ToLower(acc.Email)] = loginAccount{acc.Email, acc.Password, loginNames[i]}
		for _, name := range loginProjects[i] {
			c.projects = append(c.projects, loginProject{uuid.NewString(), name, acc.Email})
			private[acc.Email] = append(private[acc.Email], name)
		}
	}
	return c, private
}

// newLoginApp serves mux as the app name and wraps it.
func newLoginApp(t testing.TB, name string, c *loginCore, a, b Account, private map[string][]string, mux *http.ServeMux) *LoginApp {
	app := start(t, name, a, b, mux)
	app.Private = private
	return &LoginApp{App: app, core: c}
}

// check returns the account when email and password match one (never for an account without a password).
func (c *loginCore) check(email, password string) (loginAccount, bool) {
	acc, ok := c.accounts[strings.ToLower(strings.TrimSpace(email))]
	if !ok || acc.password == "" || subtle.ConstantTimeCompare([]byte(acc.password), []byte(password)) != 1 {
		return loginAccount{}, false
	}
	return acc, true
}

// mint creates a session for the account: 8 hex characters (32 bits) in Flawed mode, 32 random bytes in hex in
// Fixed mode.
func (c *loginCore) mint(email string) string {
	n := 32
	if c.mode == Flawed {
		n = 4
	}
	c.sessions.mu.Lock()
	defer c.sessions.mu.Unlock()
	for {
		id := randHex(n)
		if _, taken := c.sessions.m[id]; !taken {
			c.sessions.m[id] = email
			return id
		}
	}
}

// maxAge is the session cookie's lifetime in seconds.
func (c *loginCore) maxAge() int {
	if c.mode == Fixed {
		return loginFixedAge
	}
	return loginFlawedAge
}

// sessionCookie is the session cookie with value; maxAge -1 deletes it.
func (c *loginCore) sessionCookie(value string, maxAge int) *http.Cookie {
	if c.mode == Fixed {
		return secureCookie(c.cookie, value, maxAge)
	}
	// Flawed: readable by scripts, and kept for 90 days.
	return &http.Cookie{Name: c.cookie, Value: value, Path: "/", MaxAge: maxAge, Secure: true, SameSite: http.SameSiteLaxMode}
}

// signIn starts a session for the account, sets its cookie and sends the browser to the dashboard.
func (c *loginCore) signIn(w http.ResponseWriter, r *http.Request, email string) {
	http.SetCookie(w, c.sessionCookie(c.mint(email), c.maxAge()))
	http.Redirect(w, r, "/", http.StatusFound)
}

// who returns the request's session id (or bearer token) and its account.
func (c *loginCore) who(r *http.Request) (string, loginAccount, bool) {
	var id string
	if c.cookie == "" {
		id, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	} else if ck, err := r.Cookie(c.cookie); err == nil {
		id = ck.Value
	}
	if id == "" {
		return "", loginAccount{}, false
	}
	email, ok := c.sessions.get(id)
	if !ok {
		return "", loginAccount{}, false
	}
	return id, c.accounts[strings.ToLower(email)], true
}

// own returns the account's projects.
func (c *loginCore) own(acc loginAccount) []loginProject {
	out := []loginProject{}
	for _, p := range c.projects {
		if p.owner == acc.email {
			out = append(out, p)
		}
	}
	return out
}

// project returns the project with this id if the account may read it. Flawed: any project, whoever owns it.
func (c *loginCore) project(acc loginAccount, id string) (loginProject, bool) {
	for _, p := range c.projects {
		if p.ID == id && (c.mode == Flawed || p.owner == acc.email) {
			return p, true
		}
	}
	return loginProject{}, false
}

// routes serves the core's API on mux and, for the cookie apps, its pages and logout.
func (c *loginCore) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/me", c.api(func(w http.ResponseWriter, _ *http.Request, acc loginAccount) {
		writeJSON(w, http.StatusOK, map[string]string{"email": acc.email, "name": acc.name})
	}))
	mux.HandleFunc("GET /api/projects", c.api(func(w http.ResponseWriter, _ *http.Request, acc loginAccount) {
		writeJSON(w, http.StatusOK, c.own(acc))
	}))
	mux.HandleFunc("GET /api/projects/{id}", c.api(func(w http.ResponseWriter, r *http.Request, acc loginAccount) {
		p, ok := c.project(acc, r.PathValue("id"))
		if !ok {
			jsonError(w, http.StatusNotFound, "Project not found")
			return
		}
		writeJSON(w, http.StatusOK, p)
	}))
	if c.cookie == "" {
		return
	}
	mux.HandleFunc("GET /{$}", c.home)
	mux.HandleFunc("GET /projects/{id}", c.page(func(w http.ResponseWriter, r *http.Request, acc loginAccount) {
		p, ok := c.project(acc, r.PathValue("id"))
		if !ok {
			c.render(w, http.StatusNotFound, "Not found", &acc, `<h1>Not found</h1><p>This project doesn't exist or you don't have access to it.</p>`)
			return
		}
		c.render(w, http.StatusOK, p.Name, &acc, fmt.Sprintf(`<h1>%s</h1>
<p class="project-id">Project %s</p>
<p><a href="/">All projects</a></p>`, esc(p.Name), p.ID))
	}))
	mux.HandleFunc("POST /logout", c.logout)
}

// api runs h for a signed-in request, else answers 401.
func (c *loginCore) api(h func(http.ResponseWriter, *http.Request, loginAccount)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, acc, ok := c.who(r)
		if !ok {
			jsonError(w, http.StatusUnauthorized, "Not authenticated")
			return
		}
		h(w, r, acc)
	}
}

// page runs h for a signed-in request, else redirects to /login.
func (c *loginCore) page(h func(http.ResponseWriter, *http.Request, loginAccount)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, acc, ok := c.who(r)
		if !ok {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		h(w, r, acc)
	}
}

// home is the signed-in account's dashboard, else the landing page.
func (c *loginCore) home(w http.ResponseWriter, r *http.Request) {
	_, acc, ok := c.who(r)
	if !ok {
		c.render(w, http.StatusOK, "Welcome", nil, fmt.Sprintf(`<h1>%s</h1>
<p>Plans, budgets and hiring in one place for your whole team.</p>
<p><a href="/login">Sign in</a></p>`, esc(c.brand)))
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<h1>Welcome back, %s</h1>\n<h2>Your projects</h2>\n<ul class=\"projects\">\n", esc(firstName(acc.name)))
	for _, p := range c.own(acc) {
		fmt.Fprintf(&b, "<li><a href=\"/projects/%s\">%s</a></li>\n", p.ID, esc(p.Name))
	}
	b.WriteString("</ul>")
	c.render(w, http.StatusOK, "Dashboard", &acc, b.String())
}

// logout deletes the session cookie. Fixed also ends the server session; Flawed leaves it valid.
func (c *loginCore) logout(w http.ResponseWriter, r *http.Request) {
	if id, _, ok := c.who(r); ok && c.mode == Fixed {
		c.sessions.drop(id)
	}
	http.SetCookie(w, c.sessionCookie("", -1))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// render writes a page in the layout; acc (nil when signed out) decides between the account's navigation with a
// Log out button and a Sign in link.
func (c *loginCore) render(w http.ResponseWriter, status int, title string, acc *loginAccount, main string) {
	nav := `<a href="/login">Sign in</a>`
	if acc != nil {
		nav = fmt.Sprintf(`<span class="who">%s</span> <form method="post" action="/logout"><button>Log out</button></form>`, esc(acc.email))
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
<footer>© %[2]s</footer>
</body></html>
`, esc(title), esc(c.brand), nav, main)
}

// loginPage answers GET /login: the dashboard for a signed-in visitor, else the sign-in page main.
func (c *loginCore) loginPage(w http.ResponseWriter, r *http.Request, status int, main string) {
	if _, _, ok := c.who(r); ok {
		http.Redirect(w, r, "/", http.StatusFound)
		return
	}
	c.render(w, status, "Sign in", nil, main)
}

// loginAlert is an error message above a form ("" for none).
func loginAlert(msg string) string {
	if msg == "" {
		return ""
	}
	return `<p class="error" role="alert">` + esc(msg) + "</p>\n"
}

// Playwright's storageState file.
type (
	storageState struct {
		Cookies []storageCookie `json:"cookies"`
		Origins []storageOrigin `json:"origins"`
	}
	storageCookie struct {
		Name     string  `json:"name"`
		Value    string  `json:"value"`
		Domain   string  `json:"domain"`
		Path     string  `json:"path"`
		Expires  float64 `json:"expires"`
		HTTPOnly bool    `json:"httpOnly"`
		Secure   bool    `json:"secure"`
		SameSite string  `json:"sameSite"`
	}
	storageOrigin struct {
		Origin       string         `json:"origin"`
		LocalStorage []storageEntry `json:"localStorage"`
	}
	storageEntry struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
)

// StorageState starts a session for the account with this email on the server and returns it as a Playwright
// storageState JSON: the session cookie, or (bearer) the token in the origin's localStorage under auth_token. nil
// for an unknown email.
func (a *LoginApp) StorageState(email string) []byte {
	c := a.core
	acc, ok := c.accounts[strings.ToLower(strings.TrimSpace(email))]
	if !ok {
		return nil
	}
	id := c.mint(acc.email)
	state := storageState{Cookies: []storageCookie{}, Origins: []storageOrigin{}}
	if c.cookie == "" {
		state.Origins = append(state.Origins, storageOrigin{strings.TrimSuffix(a.URL, "/"), []storageEntry{{"auth_token", id}}})
	} else {
		u, _ := url.Parse(a.URL)
		state.Cookies = append(state.Cookies, storageCookie{Name: c.cookie, Value: id, Domain: u.Hostname(), Path: "/",
			Expires: float64(time.Now().Add(time.Duration(c.maxAge()) * time.Second).Unix()), HTTPOnly: c.mode == Fixed,
			Secure: true, SameSite: "Lax"})
	}
	out, _ := json.Marshal(state)
	return out
}

// --- 1. Single sign-on on a second host ---

// ssoIdPHost is the identity provider's host name; the tests and the audit map it to 127.0.0.1.
const ssoIdPHost = "idp.test"

// ssoCode is an authorization code the identity provider issued.
type ssoCode struct {
	email   string
	expires time.Time
}

// ssoIdP is the "Acme ID" identity provider: its own accounts, one client ("app") and its codes.
type ssoIdP struct {
	accounts    map[string]Account // by lowercased email
	redirectURI string             // the app's one registered callback

	mu    sync.Mutex
	codes map[string]ssoCode
	reqs  []string
}

// SSOApp starts an app whose only login is "Sign in with Acme ID": /login links to /auth/start, which sets a
// short-lived oauth_state cookie and redirects to the identity provider on a second host name,
// https://idp.test:PORT/authorize (listening on 127.0.0.1; whoever connects maps idp.test there). The identity
// provider's form takes the email and password of its own accounts (the same as A's and B's) and redirects back to
// /auth/callback with a one-use code and the state; the app checks the state against its cookie, redeems the code
// in memory and sets its session cookie. Flaws by mode are the core's (see loginCore).
func SSOApp(t testing.TB, mode Mode) *LoginApp {
	a := Account{"alice@sso.test", "Alice-sso-Pass-4821"}
	b := Account{"bob@sso.test", "Bob-sso-Pass-9377"}
	c, private := newLoginCore(mode, "Orbit", "orbit_session", a, b)
	idp := &ssoIdP{accounts: map[string]Account{strings.ToLower(a.Email): a, strings.ToLower(b.Email): b}, codes: map[string]ssoCode{}}
	var idpURL string // set once both servers run
	mux := http.NewServeMux()
	c.routes(mux)
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		c.loginPage(w, r, http.StatusOK, fmt.Sprintf(`<h1>Sign in to %s</h1>
<p><a class="sso" href="/auth/start">Sign in with Acme ID</a></p>`, esc(c.brand)))
	})
	mux.HandleFunc("GET /auth/start", func(w http.ResponseWriter, r *http.Request) {
		state := randHex(16)
		http.SetCookie(w, secureCookie("oauth_state", state, 600))
		q := url.Values{"client_id": {"app"}, "redirect_uri": {idp.redirectURI}, "state": {state}}
		http.Redirect(w, r, idpURL+"authorize?"+q.Encode(), http.StatusFound)
	})
	mux.HandleFunc("GET /auth/callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		st, err := r.Cookie("oauth_state")
		if err != nil || st.Value == "" || subtle.ConstantTimeCompare([]byte(st.Value), []byte(q.Get("state"))) != 1 {
			c.render(w, http.StatusBadRequest, "Sign-in failed", nil, `<h1>Sign-in failed</h1><p>The sign-in request expired or did not start here. <a href="/login">Try again</a></p>`)
			return
		}
		http.SetCookie(w, secureCookie("oauth_state", "", -1))
		email, ok := idp.redeem(q.Get("code"))
		if !ok {
			c.render(w, http.StatusBadRequest, "Sign-in failed", nil, `<h1>Sign-in failed</h1><p>The sign-in code is invalid or was already used. <a href="/login">Try again</a></p>`)
			return
		}
		c.signIn(w, r, email)
	})
	la := newLoginApp(t, "sso", c, a, b, private, mux)
	idp.redirectURI = la.URL + "auth/callback"

	srv := httptest.NewTLSServer(idp)
	t.Cleanup(srv.Close)
	la.IdPAddr = srv.Listener.Addr().String()
	_, port, _ := strings.Cut(la.IdPAddr, ":")
	idpURL = "https://" + ssoIdPHost + ":" + port + "/"
	la.IdPURL = idpURL
	la.IdPRequests = idp.requests
	return la
}

// requests returns every request the identity provider received, in order, each as method + " " + request URI.
func (p *ssoIdP) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.reqs...)
}

// redeem returns the account of a code issued less than a minute ago, and spends it.
func (p *ssoIdP) redeem(code string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.codes[code]
	delete(p.codes, code)
	return c.email, ok && time.Now().Before(c.expires)
}

// ServeHTTP records the request, then serves GET and POST /authorize.
func (p *ssoIdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.reqs = append(p.reqs, r.Method+" "+r.URL.RequestURI())
	p.mu.Unlock()
	if r.URL.Path != "/authorize" || r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	r.ParseForm()
	client, redirect, state := r.Form.Get("client_id"), r.Form.Get("redirect_uri"), r.Form.Get("state")
	if client != "app" || redirect != p.redirectURI {
		p.render(w, http.StatusBadRequest, `<h1>Unknown application</h1><p>The application that sent you here is not registered with Acme ID.</p>`)
		return
	}
	form := func(status int, email, alert string) {
		p.render(w, status, fmt.Sprintf(`<h1>Sign in to Acme ID</h1>
<p>to continue to Orbit</p>
%s<form method="post" action="/authorize">
<input type="hidden" name="client_id" value="%s">
<input type="hidden" name="redirect_uri" value="%s">
<input type="hidden" name="state" value="%s">
<label for="email">Email</label>
<input type="email" id="email" name="email" value="%s" autocomplete="username">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>`, loginAlert(alert), esc(client), esc(redirect), esc(state), esc(email)))
	}
	if r.Method == http.MethodGet {
		form(http.StatusOK, "", "")
		return
	}
	email := r.PostForm.Get("email")
	acc, ok := p.accounts[strings.ToLower(strings.TrimSpace(email))]
	if !ok || subtle.ConstantTimeCompare([]byte(acc.Password), []byte(r.PostForm.Get("password"))) != 1 {
		form(http.StatusOK, email, "Incorrect email or password.")
		return
	}
	code := randHex(20)
	p.mu.Lock()
	p.codes[code] = ssoCode{acc.Email, time.Now().Add(time.Minute)}
	p.mu.Unlock()
	http.Redirect(w, r, redirect+"?"+url.Values{"code": {code}, "state": {state}}.Encode(), http.StatusFound)
}

// render writes an identity provider page.
func (p *ssoIdP) render(w http.ResponseWriter, status int, main string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Acme ID</title></head>
<body>
<main class="idp">
%s
</main>
<footer>Acme ID · Privacy · Terms</footer>
</body></html>
`, main)
}

// --- 2. Magic link ---

// magicFrom is the magic-link app's sender.
const magicFrom = "noreply@magic.test"

// magicToken is a mailed sign-in token.
type magicToken struct {
	email   string
	expires time.Time
}

// MagicLinkApp starts an app without passwords: /login takes an email address and mails it a sign-in link,
// /auth/magic?token=<64 hex>, valid once for 15 minutes, which sets the session cookie. Unknown addresses get the
// same "Check your email" answer and no mail. Nothing is mailed until DeliverTo names an SMTP server. Flaws by mode
// are the core's (see loginCore).
func MagicLinkApp(t testing.TB, mode Mode) *LoginApp {
	a := Account{Email: "alice@magic.test"}
	b := Account{Email: "bob@magic.test"}
	c, private := newLoginCore(mode, "Inkwell", "inkwell_session", a, b)
	mail := newPortalMailer(t)
	tokens := newSessions[magicToken]()
	form := `<h1>Sign in to Inkwell</h1>
%s<form method="post" action="/login">
<label for="email">Email</label>
<input type="email" name="email" id="email" autocomplete="email" required>
<button type="submit">Send me a sign-in link</button>
</form>
<p>We'll email you a link that signs you in. No password needed.</p>`
	mux := http.NewServeMux()
	c.routes(mux)
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		c.loginPage(w, r, http.StatusOK, fmt.Sprintf(form, ""))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		email := strings.TrimSpace(r.PostFormValue("email"))
		if acc, ok := c.accounts[strings.ToLower(email)]; ok {
			tok := randHex(32)
			tokens.set(tok, magicToken{acc.email, time.Now().Add(15 * time.Minute)})
			link := mail.link("/auth/magic?token=" + tok)
			sendAlternative(mail, "Inkwell", magicFrom, acc.email, "Your Inkwell sign-in link",
				fmt.Sprintf("Hi %s,\n\nClick the link below to sign in to Inkwell. It works once, for 15 minutes.\n\n%s\n\nIf you didn't ask for it, you can ignore this email.", firstName(acc.name), link),
				fmt.Sprintf(`<p>Hi %s,</p><p><a href="%s">Sign in to Inkwell</a></p><p>The link works once, for 15 minutes. If you didn't ask for it, you can ignore this email.</p>`, esc(firstName(acc.name)), esc(link)))
		}
		c.render(w, http.StatusOK, "Check your email", nil, fmt.Sprintf(`<h1>Check your email</h1>
<p>If %s has an Inkwell account, we sent it a sign-in link. It works once, for 15 minutes.</p>
<p><a href="/login">Use another address</a></p>`, esc(email)))
	})
	mux.HandleFunc("GET /auth/magic", func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("token")
		mt, ok := tokens.get(tok)
		tokens.drop(tok)
		if !ok || time.Now().After(mt.expires) {
			c.render(w, http.StatusBadRequest, "Link expired", nil, `<h1>This sign-in link is invalid or has expired</h1>
<p><a href="/login">Send a new link</a></p>`)
			return
		}
		c.signIn(w, r, mt.email)
	})
	la := newLoginApp(t, "magic", c, a, b, private, mux)
	mail.setBase(la.URL)
	la.DeliverTo = mail.deliverTo
	return la
}

// link is the absolute URL of path on the app.
func (m *portalMailer) link(path string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.base + path
}

// sendAlternative mails text and its HTML version (multipart/alternative) from name <from> through m's SMTP server
// in the background, retrying for up to 10 s as portalMailer.send does; nothing is sent before DeliverTo.
func sendAlternative(m *portalMailer, name, from, to, subject, text, html string) {
	m.mu.Lock()
	addr := m.addr
	m.mu.Unlock()
	if addr == "" {
		return
	}
	boundary := "b" + randHex(12)
	_, domain, _ := strings.Cut(from, "@")
	var b strings.Builder
	for _, h := range [][2]string{
		{"From", name + " <" + from + ">"}, {"To", "<" + to + ">"}, {"Subject", subject},
		{"Date", time.Now().Format(time.RFC1123Z)}, {"Message-ID", "<" + randHex(16) + "@" + domain + ">"},
		{"MIME-Version", "1.0"}, {"Content-Type", `multipart/alternative; boundary="` + boundary + `"`},
	} {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	for _, part := range [][2]string{{"text/plain", text}, {"text/html", html}} {
		b.WriteString("\r\n--" + boundary + "\r\nContent-Type: " + part[0] + "; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(strings.ReplaceAll(part[1], "\n", "\r\n") + "\r\n")
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	m.deliver(addr, from, to, []byte(b.String()))
}

// --- 3. Password, then a one-time code ---

// totpPending is a login waiting for its one-time code.
type totpPending struct {
	email   string
	expires time.Time
}

// TOTPApp starts an app with two-step sign-in: the password form at /login, then /login/otp asks for the 6-digit
// code of the account's authenticator (TOTPSecret[email], base32), checked with totp.Validate. Between the steps
// the pending login lives in a totp_pending cookie mapped on the server to the account, for 5 minutes. Flaws by
// mode are the core's (see loginCore).
func TOTPApp(t testing.TB, mode Mode) *LoginApp {
	a := Account{"alice@totp.test", "Alice-totp-Pass-3319"}
	b := Account{"bob@totp.test", "Bob-totp-Pass-6054"}
	c, private := newLoginCore(mode, "Vault", "vault_session", a, b)
	secrets := map[string]string{}
	for _, acc := range []Account{a, b} {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: "Vault", AccountName: acc.Email})
		if err != nil {
			t.Fatal(err)
		}
		secrets[acc.Email] = key.Secret()
	}
	pending := newSessions[totpPending]()
	// waiting returns the request's pending login.
	waiting := func(r *http.Request) (string, totpPending, bool) {
		ck, err := r.Cookie("totp_pending")
		if err != nil {
			return "", totpPending{}, false
		}
		p, ok := pending.get(ck.Value)
		return ck.Value, p, ok && time.Now().Before(p.expires)
	}
	passwordForm := func(email, alert string) string {
		return fmt.Sprintf(`<h1>Sign in to Vault</h1>
%s<form method="post" action="/login">
<label for="email">Email</label>
<input type="email" name="email" id="email" value="%s" autocomplete="username">
<label for="password">Password</label>
<input type="password" name="password" id="password" autocomplete="current-password">
<button type="submit">Continue</button>
</form>`, loginAlert(alert), esc(email))
	}
	otpForm := func(w http.ResponseWriter, alert string) {
		c.render(w, http.StatusOK, "Two-step verification", nil, fmt.Sprintf(`<h1>Two-step verification</h1>
<p>Enter the 6-digit code from your authenticator app.</p>
%s<form method="post" action="/login/otp">
<label for="otp">Code</label>
<input name="otp" id="otp" autocomplete="one-time-code" inputmode="numeric" maxlength="6">
<button type="submit">Verify</button>
</form>`, loginAlert(alert)))
	}
	mux := http.NewServeMux()
	c.routes(mux)
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		c.loginPage(w, r, http.StatusOK, passwordForm("", ""))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		email := r.PostFormValue("email")
		acc, ok := c.check(email, r.PostFormValue("password"))
		if !ok {
			c.render(w, http.StatusOK, "Sign in", nil, passwordForm(email, "Invalid email or password."))
			return
		}
		id := randHex(32)
		pending.set(id, totpPending{acc.email, time.Now().Add(5 * time.Minute)})
		http.SetCookie(w, secureCookie("totp_pending", id, 300))
		http.Redirect(w, r, "/login/otp", http.StatusFound)
	})
	mux.HandleFunc("GET /login/otp", func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := waiting(r); !ok {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		otpForm(w, "")
	})
	mux.HandleFunc("POST /login/otp", func(w http.ResponseWriter, r *http.Request) {
		id, p, ok := waiting(r)
		if !ok {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		if !totp.Validate(strings.TrimSpace(r.PostFormValue("otp")), secrets[p.email]) {
			otpForm(w, "That code didn't work. Check your authenticator app and try again.")
			return
		}
		pending.drop(id)
		http.SetCookie(w, secureCookie("totp_pending", "", -1))
		c.signIn(w, r, p.email)
	})
	la := newLoginApp(t, "totp", c, a, b, private, mux)
	la.TOTPSecret = secrets
	return la
}

// --- 4. Bearer token in localStorage ---

// bearerShell is the one HTML document of the bearer app; /static/app.js draws every view.
const bearerShell = `<!doctype html><html><head><meta charset="utf-8"><title>Beacon</title></head><body><div id="root">Loading…</div><script src="/static/app.js"></script></body></html>`

// BearerSPA starts a single-page app without cookies: the script keeps a bearer token in
// localStorage.auth_token, gets it from a JSON POST to /api/auth/login ({email, password} -> {token}) and sends it
// as Authorization: Bearer to /api/me, /api/projects and /api/projects/{id}; its Log out button POSTs
// /api/auth/logout with the token, then forgets it. Flaws by mode are the core's (see loginCore): in Flawed mode
// the token is 8 hex characters and logout does not revoke it.
func BearerSPA(t testing.TB, mode Mode) *LoginApp {
	a := Account{"alice@bearer.test", "Alice-bearer-Pass-7702"}
	b := Account{"bob@bearer.test", "Bob-bearer-Pass-1468"}
	c, private := newLoginCore(mode, "Beacon", "", a, b)
	mux := http.NewServeMux()
	c.routes(mux)
	for _, p := range []string{"/{$}", "/login"} {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, bearerShell)
		})
	}
	mux.HandleFunc("GET /static/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, bearerScript)
	})
	mux.HandleFunc("POST /api/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Email, Password string }
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&in); err != nil {
			jsonError(w, http.StatusBadRequest, "Send {\"email\": ..., \"password\": ...} as JSON")
			return
		}
		acc, ok := c.check(in.Email, in.Password)
		if !ok {
			jsonError(w, http.StatusUnauthorized, "Invalid email or password")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"token": c.mint(acc.email)})
	})
	mux.HandleFunc("POST /api/auth/logout", c.api(func(w http.ResponseWriter, r *http.Request, _ loginAccount) {
		// Flawed: the token stays valid; only the browser forgets it.
		if id, _, _ := c.who(r); c.mode == Fixed {
			c.sessions.drop(id)
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	}))
	return newLoginApp(t, "bearer", c, a, b, private, mux)
}

// --- 2b. A one-time code by mail ---

// EmailCodeApp starts an app that signs in with a code by mail, as Clerk and PocketBase do by default: /sign-in
// takes an email address, mails a 6-digit code (the mail also links the app's home page, as such mails do) and
// shows a code field; the code works once, for 10 minutes, for that sign-in attempt only.
func EmailCodeApp(t testing.TB, mode Mode) *LoginApp {
	a := Account{Email: "alice@codes.test"}
	b := Account{Email: "bob@codes.test"}
	c, private := newLoginCore(mode, "Ledgerly", "ledgerly_session", a, b)
	mail := newPortalMailer(t)
	attempts := newSessions[magicToken]() // attempt id -> email; the code is kept beside it
	var mu sync.Mutex
	codes := map[string]string{} // attempt id -> code
	mux := http.NewServeMux()
	c.routes(mux)
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/sign-in", http.StatusFound)
	})
	mux.HandleFunc("GET /sign-in", func(w http.ResponseWriter, r *http.Request) {
		c.loginPage(w, r, http.StatusOK, `<h1>Sign in to Ledgerly</h1>
<form method="post" action="/sign-in"><label for="email">Email address</label>
<input type="email" name="email" id="email" autocomplete="email" required><button type="submit">Continue</button></form>`)
	})
	mux.HandleFunc("POST /sign-in", func(w http.ResponseWriter, r *http.Request) {
		email := strings.TrimSpace(r.PostFormValue("email"))
		id := attempts.add(magicToken{strings.ToLower(email), time.Now().Add(10 * time.Minute)})
		if acc, ok := c.accounts[strings.ToLower(email)]; ok {
			code := fmt.Sprintf("%06d", int(time.Now().UnixNano()/1000)%1000000)
			mu.Lock()
			codes[id] = code
			mu.Unlock()
			home := mail.link("/")
			sendAlternative(mail, "Ledgerly", "noreply@codes.test", acc.email, "Your Ledgerly sign-in code",
				fmt.Sprintf("Your sign-in code is %s\n\nIt expires in 10 minutes.\n\nLedgerly · %s", code, home),
				fmt.Sprintf(`<p>Your sign-in code is <strong>%s</strong></p><p>It expires in 10 minutes.</p><p><a href="%s">Ledgerly</a></p>`, code, esc(home)))
		}
		c.render(w, http.StatusOK, "Check your email", nil, fmt.Sprintf(`<h1>Check your email</h1>
<p>Enter the code we sent to %s.</p>
<form method="post" action="/sign-in/verify"><input type="hidden" name="attempt" value="%s">
<label for="code">Verification code</label>
<input name="code" id="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6">
<button type="submit">Verify</button></form>`, esc(email), id))
	})
	mux.HandleFunc("POST /sign-in/verify", func(w http.ResponseWriter, r *http.Request) {
		id := r.PostFormValue("attempt")
		at, ok := attempts.get(id)
		mu.Lock()
		code := codes[id]
		mu.Unlock()
		if !ok || time.Now().After(at.expires) || code == "" || subtle.ConstantTimeCompare([]byte(code), []byte(r.PostFormValue("code"))) != 1 {
			c.render(w, http.StatusOK, "Check your email", nil, loginAlert("That code is not right or has expired.")+`<p><a href="/sign-in">Start again</a></p>`)
			return
		}
		attempts.drop(id)
		c.signIn(w, r, at.email)
	})
	la := newLoginApp(t, "codes", c, a, b, private, mux)
	mail.setBase(la.URL)
	la.DeliverTo = mail.deliverTo
	return la
}
