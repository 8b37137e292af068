package testapps

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/smtp"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// portalCookie is the Portal app's session cookie.
const portalCookie = "portal_session"

// portalName is Portal's rule on usernames, checked on the server only (as Gitea does).
var portalName = regexp.MustCompile(`^[0-9A-Za-z]+([._-][0-9A-Za-z]+)*$`)

// Portal's messages.
const (
	portalMsgName      = "Username can only contain alphanumeric characters, dashes ('-'), underscores ('_') and dots ('.'). It cannot begin or end with non-alphanumeric characters, and consecutive non-alphanumeric characters are also forbidden."
	portalMsgNameTaken = "The username is already taken."
	portalMsgEmail     = "The email address is not valid."
	portalMsgEmailUsed = "The email address is already used."
	portalMsgShort     = "Password length cannot be less than 8 characters."
	portalMsgLong      = "Password length cannot be more than 72 bytes."
	portalMsgMismatch  = "The passwords do not match."
	portalMsgVisible   = "Please choose a profile visibility."
	portalMsgTerms     = "You must accept the Terms of Service."
	portalMsgTooMany   = "Too many requests. Please try again later."
	portalMsgBadLogin  = "Username or password is incorrect."
	portalMsgNoUser    = "The user does not exist."
	portalMsgInactive  = "Your account is not activated yet. Check your email."
	portalMsgNoAccount = "No account is registered with this email address."
	portalMsgActivated = "Your account has been activated. You can sign in now."
	portalMsgBadCode   = "The confirmation link is invalid or has expired."
	portalMsgBadRecov  = "The recovery link is invalid or has expired."
	portalMsgUpdated   = "Your password has been updated. Sign in with the new one."
)

// Portal's mail subjects (PortalSPA's owner notice too).
const (
	portalSubjActivate = "Please activate your account"
	portalSubjRecover  = "Recover your account"
	portalSubjTried    = "Someone tried to register with your address"
)

// portalFrom is the envelope and header sender of both Portal apps' mail.
const portalFrom = "noreply@portal.test"

// portalUser is an account of the Portal apps.
type portalUser struct {
	name, email string
	hash        []byte // bcrypt, MinCost
	confirmed   bool
}

// portalCode is what a mailed code is for ("activate", "recover", "confirm", "reset") and whose it is.
type portalCode struct{ purpose, name string }

// portalAccounts is the account store of a Portal app, with the codes it mailed.
type portalAccounts struct {
	mu      sync.Mutex
	byName  map[string]*portalUser // lowercased username
	byEmail map[string]*portalUser // lowercased email
	codes   map[string]portalCode
	dummy   []byte // the hash Fixed checks an unknown login's password against
}

// newPortalAccounts holds a and b, confirmed, named after their address's local part.
func newPortalAccounts(a, b Account) *portalAccounts {
	pa := &portalAccounts{byName: map[string]*portalUser{}, byEmail: map[string]*portalUser{}, codes: map[string]portalCode{}}
	pa.dummy, _ = bcrypt.GenerateFromPassword([]byte(randHex(16)), bcrypt.MinCost)
	for _, acc := range []Account{a, b} {
		hash, _ := bcrypt.GenerateFromPassword([]byte(acc.Password), bcrypt.MinCost)
		u := &portalUser{name: strings.SplitN(acc.Email, "@", 2)[0], email: acc.Email, hash: hash, confirmed: true}
		pa.byName[u.name], pa.byEmail[u.email] = u, u
	}
	return pa
}

// find returns a copy of the account whose username (byName) or email matches login, case-insensitively.
func (pa *portalAccounts) find(login string, byName bool) (portalUser, bool) {
	key := strings.ToLower(strings.TrimSpace(login))
	pa.mu.Lock()
	defer pa.mu.Unlock()
	u := pa.byEmail[key]
	if u == nil && byName {
		u = pa.byName[key]
	}
	if u == nil {
		return portalUser{}, false
	}
	return *u, true
}

// nameTaken reports whether an account has this username (case-insensitively).
func (pa *portalAccounts) nameTaken(name string) bool {
	pa.mu.Lock()
	defer pa.mu.Unlock()
	return pa.byName[strings.ToLower(name)] != nil
}

// create adds an unconfirmed account, or returns which of "name" and "email" is taken.
func (pa *portalAccounts) create(name, email string, hash []byte) (taken string) {
	pa.mu.Lock()
	defer pa.mu.Unlock()
	switch {
	case pa.byName[strings.ToLower(name)] != nil:
		return "name"
	case pa.byEmail[strings.ToLower(email)] != nil:
		return "email"
	}
	u := &portalUser{name: name, email: email, hash: hash}
	pa.byName[strings.ToLower(name)], pa.byEmail[strings.ToLower(email)] = u, u
	return ""
}

// check returns the account when login (a username when byName, or an email) and password match one; known tells
// whether login names an account. Flawed returns at once for an unknown login; Fixed runs bcrypt on a dummy hash.
func (pa *portalAccounts) check(mode Mode, login, password string, byName bool) (u portalUser, known, ok bool) {
	u, known = pa.find(login, byName)
	hash := pa.dummy
	switch {
	case known:
		hash = u.hash
	case mode == Flawed:
		return u, false, false
	}
	ok = bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && known
	return u, known, ok
}

// code makes a code to mail (32 random bytes, hex) for purpose on the account name. A recovery code voids the
// account's earlier ones, as apps that keep one reset token per user do (Devise's column).
func (pa *portalAccounts) code(purpose, name string) string {
	c := randHex(32)
	pa.mu.Lock()
	defer pa.mu.Unlock()
	if purpose == "recover" {
		for old, pc := range pa.codes {
			if pc == (portalCode{purpose, name}) {
				delete(pa.codes, old)
			}
		}
	}
	pa.codes[c] = portalCode{purpose, name}
	return c
}

// use returns the account a code for purpose belongs to; once deletes the code (single use).
func (pa *portalAccounts) use(purpose, code string, once bool) (string, bool) {
	pa.mu.Lock()
	defer pa.mu.Unlock()
	pc, ok := pa.codes[code]
	if !ok || pc.purpose != purpose {
		return "", false
	}
	if once {
		delete(pa.codes, code)
	}
	return pc.name, true
}

// confirm marks the account confirmed.
func (pa *portalAccounts) confirm(name string) {
	pa.mu.Lock()
	defer pa.mu.Unlock()
	if u := pa.byName[strings.ToLower(name)]; u != nil {
		u.confirmed = true
	}
}

// setHash replaces the account's password hash.
func (pa *portalAccounts) setHash(name string, hash []byte) {
	pa.mu.Lock()
	defer pa.mu.Unlock()
	if u := pa.byName[strings.ToLower(name)]; u != nil {
		u.hash = hash
	}
}

// portalEmail is the Portal apps' address check: one @ with text on each side, no spaces or control characters
// (they would end up in a mail header).
func portalEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@") &&
		strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) < 0
}

// portalPassword returns the message for a password the Portal apps refuse ("" when it is fine): shorter than minLen
// characters, longer than bcrypt takes, or not the same as its confirmation.
func portalPassword(password, retype string, minLen int, short, mismatch string) (field, msg string) {
	switch {
	case utf8.RuneCountInString(password) < minLen:
		return "password", short
	case len(password) > 72:
		return "password", portalMsgLong
	case password != retype:
		return "retype", mismatch
	}
	return "", ""
}

// dropWhere deletes every session whose value matches.
func dropWhere[V any](s *sessions[V], match func(V) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, v := range s.m {
		if match(v) {
			delete(s.m, id)
		}
	}
}

// portalMailer sends a Portal app's mail to the SMTP server DeliverTo named; before that the mail is dropped.
type portalMailer struct {
	ctx  context.Context // done when the app is closed: a mail still being retried is dropped
	mu   sync.Mutex
	addr string // the SMTP server, "" until DeliverTo
	base string // the app's URL without its final slash
}

func newPortalMailer(t testing.TB) *portalMailer {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &portalMailer{ctx: ctx}
}

func (m *portalMailer) deliverTo(addr string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addr = addr
}

func (m *portalMailer) setBase(appURL string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.base = strings.TrimSuffix(appURL, "/")
}

// send mails text and the absolute link to path in the background, retrying for up to 10 s while the SMTP server
// refuses, the way an app hands mail to its provider.
func (m *portalMailer) send(to, subject, text, path string) {
	m.mu.Lock()
	addr, base := m.addr, m.base
	m.mu.Unlock()
	if addr == "" {
		return
	}
	var b strings.Builder
	for _, h := range [][2]string{
		{"From", "Portal <" + portalFrom + ">"}, {"To", "<" + to + ">"}, {"Subject", subject},
		{"Date", time.Now().Format(time.RFC1123Z)}, {"Message-ID", "<" + randHex(16) + "@portal.test>"},
		{"MIME-Version", "1.0"}, {"Content-Type", "text/plain; charset=utf-8"}, {"Content-Transfer-Encoding", "8bit"},
	} {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n" + strings.ReplaceAll(text, "\n", "\r\n") + "\r\n\r\n" + base + path + "\r\n")
	m.deliver(addr, portalFrom, to, []byte(b.String()))
}

// deliver hands raw to the SMTP server at addr in the background, retrying for up to 10 s while it refuses, the way
// an app hands mail to its provider; a mail still being retried when the app closes is dropped.
func (m *portalMailer) deliver(addr, from, to string, raw []byte) {
	go func() {
		for try := 0; try < 50; try++ {
			if smtp.SendMail(addr, nil, from, []string{to}, raw) == nil {
				return
			}
			select {
			case <-m.ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
}

// portalSession is a server-side session of the Portal app.
type portalSession struct {
	csrf  string
	name  string // the signed-in account's username, "" before the login
	flash string // a success message for the next page shown (after a password reset)
}

// portal is the Portal app's state.
type portal struct {
	mode     Mode
	accounts *portalAccounts
	sessions *sessions[portalSession] // portal_session cookie -> session
	signup   *limiter                 // sign-up POSTs per client IP (Fixed)
	forgot   *limiter                 // forgot-password POSTs per client IP (Fixed)
	mail     *portalMailer
}

// Portal starts a Gitea-style server-rendered app with a self-service sign-up: a pre-login session with a hidden
// _csrf field on every form, messages as flashes at the top of the page and an "error" class on the offending
// field's container (its label is not the message), a server-side-only username rule, an activation mail, a
// password recovery by mail. The two seeded accounts (usernames ada and ben) are confirmed; DeliverTo sends the
// mail to an SMTP server. Fixed: the same answer to a sign-up with a registered address as to a new one (the owner
// is mailed instead), the same answer to a recovery request for any address, one message for an unknown login and
// a wrong password, no sign-in before the activation, single-use codes, a recovery that ends every session of the
// account, and 5 sign-ups and 5 recovery requests per minute per client IP (then 429, Retry-After: 60). Flawed: says
// which addresses and usernames have an account, lets unconfirmed accounts in, keeps codes and old sessions valid
// and limits nothing.
func Portal(t testing.TB, mode Mode) *App {
	a := Account{"ada@portal.test", "Ada-portal-Pass-3141"}
	b := Account{"ben@portal.test", "Ben-portal-Pass-2718"}
	p := &portal{mode: mode, accounts: newPortalAccounts(a, b), sessions: newSessions[portalSession](),
		signup: newLimiter(mode), forgot: newLimiter(mode), mail: newPortalMailer(t)}
	mux := http.NewServeMux()
	mux.HandleFunc("/", p.with(func(w http.ResponseWriter, _ *http.Request, _ string, ps portalSession) { p.notFound(w, ps) }))
	mux.HandleFunc("GET /{$}", p.with(p.home))
	mux.HandleFunc("GET /user/sign_up", p.with(func(w http.ResponseWriter, _ *http.Request, _ string, ps portalSession) {
		p.signupPage(w, http.StatusOK, ps, portalSignup{}, "")
	}))
	mux.HandleFunc("POST /user/sign_up", p.with(p.handleSignup))
	mux.HandleFunc("GET /user/activate", p.with(p.activate))
	mux.HandleFunc("GET /user/login", p.with(p.loginGet))
	mux.HandleFunc("POST /user/login", p.with(p.handleLogin))
	mux.HandleFunc("POST /user/logout", p.with(p.handleLogout))
	mux.HandleFunc("GET /user/settings", p.with(p.settings))
	mux.HandleFunc("GET /user/forgot_password", p.with(func(w http.ResponseWriter, _ *http.Request, _ string, ps portalSession) {
		p.forgotPage(w, http.StatusOK, ps, "", "")
	}))
	mux.HandleFunc("POST /user/forgot_password", p.with(p.handleForgot))
	mux.HandleFunc("GET /user/recover_account", p.with(func(w http.ResponseWriter, r *http.Request, _ string, ps portalSession) {
		code := r.URL.Query().Get("code")
		if _, ok := p.accounts.use("recover", code, false); !ok {
			p.badRecovery(w, ps)
			return
		}
		p.recoverPage(w, ps, code, "", "")
	}))
	mux.HandleFunc("POST /user/recover_account", p.with(p.handleRecover))
	mux.HandleFunc("GET /{username}", p.with(p.profile))
	app := start(t, "portal", a, b, mux)
	p.mail.setBase(app.URL)
	app.DeliverTo = p.mail.deliverTo
	return app
}

// with sets the framing and sniffing headers, then runs h with the request's session, issuing a pre-login one when
// the request has no valid session cookie.
func (p *portal) with(h func(w http.ResponseWriter, r *http.Request, id string, ps portalSession)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if c, err := r.Cookie(portalCookie); err == nil {
			if ps, ok := p.sessions.get(c.Value); ok {
				h(w, r, c.Value, ps)
				return
			}
		}
		id, ps := p.issue(w, portalSession{})
		h(w, r, id, ps)
	}
}

// issue stores ps with a new CSRF token under a new random id (32 hex characters) and sets its cookie.
func (p *portal) issue(w http.ResponseWriter, ps portalSession) (string, portalSession) {
	var id string
	for taken := true; taken; _, taken = p.sessions.get(id) {
		id = randHex(16)
	}
	ps.csrf = randHex(32)
	p.sessions.set(id, ps)
	http.SetCookie(w, secureCookie(portalCookie, id, 0))
	return id, ps
}

// portalError and portalSuccess are the flashes shown at the top of <main>.
func portalError(msg string) string {
	return `<div class="ui negative message flash-error"><p>` + esc(msg) + "</p></div>\n"
}

func portalSuccess(msg string) string {
	return `<div class="ui positive message flash-success"><p>` + esc(msg) + "</p></div>\n"
}

// render writes a page in the layout: flash (already HTML, may be "") then main inside <main>.
func (p *portal) render(w http.ResponseWriter, status int, title string, ps portalSession, flash, main string) {
	nav := `<a href="/user/login">Sign In</a> <a href="/user/sign_up">Register</a>`
	if ps.name != "" {
		nav = fmt.Sprintf(`<a href="/%s">%s</a> <a href="/user/settings">Settings</a> <form method="post" action="/user/logout"><input type="hidden" name="_csrf" value="%s"><button type="submit">Sign Out</button></form>`,
			esc(ps.name), esc(ps.name), ps.csrf)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s - Portal</title></head>
<body>
<header><nav><a href="/">Portal</a> %s</nav></header>
<main>%s%s</main>
<footer>Powered by Portal</footer>
</body></html>
`, esc(title), nav, flash, main)
}

// notFound writes the layout's 404 page.
func (p *portal) notFound(w http.ResponseWriter, ps portalSession) {
	p.render(w, http.StatusNotFound, "Page Not Found", ps, "", `<h1>Page Not Found</h1><p>The page you are trying to reach either does not exist or you are not authorized to view it.</p>`)
}

// csrfOK reports whether the form's _csrf field is the session's token, else answers 403.
func (p *portal) csrfOK(w http.ResponseWriter, r *http.Request, ps portalSession) bool {
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("_csrf")), []byte(ps.csrf)) == 1 {
		return true
	}
	p.render(w, http.StatusForbidden, "Forbidden", ps, portalError("Invalid CSRF token. Reload the page and try again."), `<h1>Forbidden</h1>`)
	return false
}

// tooMany is the Fixed mode's answer to a request over the limit: 429 with Retry-After and the form again.
func (p *portal) tooMany(w http.ResponseWriter, page func(status int, flash string)) {
	w.Header().Set("Retry-After", "60")
	page(http.StatusTooManyRequests, portalError(portalMsgTooMany))
}

// home is the dashboard of the signed-in account, else the landing page.
func (p *portal) home(w http.ResponseWriter, _ *http.Request, id string, ps portalSession) {
	if u, ok := p.accounts.find(ps.name, true); ps.name != "" && ok {
		p.render(w, http.StatusOK, "Dashboard", ps, p.takeFlash(id, &ps), fmt.Sprintf(`<h1>Dashboard</h1><p>Signed in as %s (%s)</p>`, esc(u.name), esc(u.email)))
		return
	}
	p.render(w, http.StatusOK, "Home", ps, "", `<h1>Portal</h1><p>One place for your team's projects, issues and releases. Free for teams of any size.</p><p><a href="/user/sign_up">Register</a></p>`)
}

// field is a form field's container: its label then its control, with the "error" class when it is the bad one.
func portalField(bad, id, label, control string) string {
	class := "required field"
	if bad == id {
		class += " error"
	}
	return fmt.Sprintf(`<div class="%s"><label for="%s">%s</label>%s</div>`+"\n", class, id, label, control)
}

// value is an input's value attribute, none when v is empty.
func portalValue(v string) string {
	if v == "" {
		return ""
	}
	return ` value="` + esc(v) + `"`
}

// portalSignup is what a visitor typed into the sign-up form (never the passwords) and the field to mark.
type portalSignup struct {
	name, email, visibility string
	agree                   bool
	bad                     string // the id of the field whose container gets the "error" class
}

// signupPage writes the sign-up form with the typed values, the flash and the bad field.
func (p *portal) signupPage(w http.ResponseWriter, status int, ps portalSession, in portalSignup, flash string) {
	options := `<option value="">Choose…</option>`
	for _, o := range [][2]string{{"public", "Public"}, {"private", "Private"}} {
		sel := ""
		if in.visibility == o[0] {
			sel = " selected"
		}
		options += fmt.Sprintf(`<option value="%s"%s>%s</option>`, o[0], sel, o[1])
	}
	agreeClass, checked := "required inline field", ""
	if in.bad == "agree" {
		agreeClass += " error"
	}
	if in.agree {
		checked = " checked"
	}
	p.render(w, status, "Register", ps, flash, fmt.Sprintf(`<h1>Register</h1>
<form class="ui form" action="/user/sign_up" method="post">
<input type="hidden" name="_csrf" value="%s">
%s%s%s%s%s<div class="%s"><input type="checkbox" id="agree" name="agree" required%s> <label for="agree">I agree to the Terms of Service</label></div>
<button class="ui primary button">Register Account</button>
</form>
<p><a href="/user/login">Already have an account? Sign in now!</a></p>`, ps.csrf,
		portalField(in.bad, "user_name", "Username", `<input id="user_name" name="user_name" required maxlength="40" autocomplete="username"`+portalValue(in.name)+`>`),
		portalField(in.bad, "email", "Email Address", `<input type="email" id="email" name="email" required`+portalValue(in.email)+`>`),
		portalField(in.bad, "password", "Password", `<input type="password" id="password" name="password" required minlength="8" autocomplete="new-password">`),
		portalField(in.bad, "retype", "Confirm Password", `<input type="password" id="retype" name="retype" required autocomplete="new-password">`),
		portalField(in.bad, "visibility", "Profile visibility", `<select name="visibility" id="visibility" required>`+options+`</select>`),
		agreeClass, checked))
}

// handleSignup checks the form field by field (the first problem is the answer), then registers the account.
func (p *portal) handleSignup(w http.ResponseWriter, r *http.Request, _ string, ps portalSession) {
	if !p.csrfOK(w, r, ps) {
		return
	}
	in := portalSignup{name: r.PostFormValue("user_name"), email: strings.TrimSpace(r.PostFormValue("email")),
		visibility: r.PostFormValue("visibility"), agree: r.PostFormValue("agree") != ""}
	page := func(status int, flash string) { p.signupPage(w, status, ps, in, flash) }
	if !p.signup.take(limitKey(r, "")) { // keyed by the client IP only
		p.tooMany(w, page)
		return
	}
	fail := func(field, msg string) {
		in.bad = field
		page(http.StatusOK, portalError(msg))
	}
	password := r.PostFormValue("password")
	pwField, pwMsg := portalPassword(password, r.PostFormValue("retype"), 8, portalMsgShort, portalMsgMismatch)
	switch {
	case len(in.name) > 40 || !portalName.MatchString(in.name):
		fail("user_name", portalMsgName)
		return
	case p.accounts.nameTaken(in.name):
		fail("user_name", portalMsgNameTaken)
		return
	case !portalEmail(in.email):
		fail("email", portalMsgEmail)
		return
	case pwMsg != "":
		fail(pwField, pwMsg)
		return
	case in.visibility != "public" && in.visibility != "private":
		fail("visibility", portalMsgVisible)
		return
	case !in.agree:
		fail("agree", portalMsgTerms)
		return
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	switch p.accounts.create(in.name, in.email, hash) {
	case "name":
		fail("user_name", portalMsgNameTaken)
		return
	case "email":
		if p.mode == Flawed {
			fail("email", portalMsgEmailUsed)
			return
		}
		owner, _ := p.accounts.find(in.email, false)
		p.mail.send(owner.email, portalSubjTried, fmt.Sprintf(`Hello %s,

Someone just tried to register a new Portal account with your email address. If it was you, you already have an
account: sign in, or recover it if you forgot your password. If it was not you, you can ignore this email.`, owner.name),
			"/user/forgot_password")
	default:
		code := p.accounts.code("activate", in.name)
		p.mail.send(in.email, portalSubjActivate, fmt.Sprintf(`Hello %s,

Please click the following link to activate your account within 3 hours:`, in.name), "/user/activate?code="+code)
	}
	p.render(w, http.StatusOK, "Activate your account", ps, portalSuccess(fmt.Sprintf(
		"A new confirmation email has been sent to %s. Please check your inbox within the next 3 hours to complete the registration process.", in.email)),
		`<h1>Activate your account</h1>`)
}

// activate confirms the account of a valid code: single use in Fixed mode, forever in Flawed mode.
func (p *portal) activate(w http.ResponseWriter, r *http.Request, _ string, ps portalSession) {
	name, ok := p.accounts.use("activate", r.URL.Query().Get("code"), p.mode == Fixed)
	if !ok {
		p.render(w, http.StatusOK, "Activate your account", ps, portalError(portalMsgBadCode), `<h1>Activate your account</h1>`)
		return
	}
	p.accounts.confirm(name)
	p.render(w, http.StatusOK, "Activate your account", ps, portalSuccess(portalMsgActivated),
		`<h1>Activate your account</h1><p><a href="/user/login">Sign in to your account</a></p>`)
}

// loginGet is the sign-in form (a signed-in visitor goes to the dashboard), with the flash the session carries.
func (p *portal) loginGet(w http.ResponseWriter, r *http.Request, id string, ps portalSession) {
	if ps.name != "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p.loginPage(w, ps, "", p.takeFlash(id, &ps))
}

// takeFlash returns the success flash the session carries (HTML, "" when none) and removes it from the session.
func (p *portal) takeFlash(id string, ps *portalSession) string {
	if ps.flash == "" {
		return ""
	}
	flash := portalSuccess(ps.flash)
	ps.flash = ""
	p.sessions.set(id, *ps)
	return flash
}

// loginPage writes the sign-in form with the typed login and the flash.
func (p *portal) loginPage(w http.ResponseWriter, ps portalSession, login, flash string) {
	p.render(w, http.StatusOK, "Sign In", ps, flash, fmt.Sprintf(`<h1>Sign In</h1>
<form class="ui form" action="/user/login" method="post">
<input type="hidden" name="_csrf" value="%s">
%s%s<button class="ui primary button">Sign In</button>
</form>
<p><a href="/user/forgot_password">Forgot password?</a></p>
<p><a href="/user/sign_up">Need an account? Register now.</a></p>`, ps.csrf,
		portalField("", "user_name", "Username or Email Address", `<input type="text" id="user_name" name="user_name" required autocomplete="username"`+portalValue(login)+`>`),
		portalField("", "password", "Password", `<input type="password" id="password" name="password" required autocomplete="current-password">`)))
}

// handleLogin signs in by username or email; the session id is rotated.
func (p *portal) handleLogin(w http.ResponseWriter, r *http.Request, id string, ps portalSession) {
	if !p.csrfOK(w, r, ps) {
		return
	}
	login := r.PostFormValue("user_name")
	u, known, ok := p.accounts.check(p.mode, login, r.PostFormValue("password"), true)
	switch {
	case !known && p.mode == Flawed:
		p.loginPage(w, ps, login, portalError(portalMsgNoUser))
	case !ok:
		p.loginPage(w, ps, login, portalError(portalMsgBadLogin))
	case !u.confirmed && p.mode == Fixed:
		p.loginPage(w, ps, login, portalError(portalMsgInactive))
	default:
		p.sessions.drop(id)
		p.issue(w, portalSession{name: u.name})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}

// handleLogout ends the server session (both modes) and clears the cookie.
func (p *portal) handleLogout(w http.ResponseWriter, r *http.Request, id string, ps portalSession) {
	if !p.csrfOK(w, r, ps) {
		return
	}
	p.sessions.drop(id)
	http.SetCookie(w, secureCookie(portalCookie, "", -1))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// settings shows the signed-in account, else redirects to the sign-in form.
func (p *portal) settings(w http.ResponseWriter, r *http.Request, _ string, ps portalSession) {
	u, ok := p.accounts.find(ps.name, true)
	if ps.name == "" || !ok {
		http.Redirect(w, r, "/user/login", http.StatusSeeOther)
		return
	}
	p.render(w, http.StatusOK, "Settings", ps, "", fmt.Sprintf(`<h1>Settings</h1>
<dl class="profile"><dt>Username</dt><dd>%s</dd><dt>Email</dt><dd>%s</dd></dl>`, esc(u.name), esc(u.email)))
}

// profile is an account's page, shown to its owner only.
func (p *portal) profile(w http.ResponseWriter, r *http.Request, _ string, ps portalSession) {
	u, ok := p.accounts.find(ps.name, true)
	if ps.name == "" || !ok || !strings.EqualFold(r.PathValue("username"), u.name) {
		p.notFound(w, ps)
		return
	}
	p.render(w, http.StatusOK, u.name, ps, "", fmt.Sprintf(`<h1>%s</h1><p class="private">Only you can see this page.</p><p>%s</p>`, esc(u.name), esc(u.email)))
}

// forgotPage writes the recovery request form with the typed address, the flash and the bad field.
func (p *portal) forgotPage(w http.ResponseWriter, status int, ps portalSession, email, flash string) {
	bad := ""
	if flash != "" {
		bad = "email"
	}
	p.render(w, status, "Forgot Password", ps, flash, fmt.Sprintf(`<h1>Forgot Password</h1>
<form class="ui form" action="/user/forgot_password" method="post">
<input type="hidden" name="_csrf" value="%s">
%s<button class="ui primary button">Send Account Recovery Email</button>
</form>`, ps.csrf, portalField(bad, "email", "Email Address", `<input type="email" id="email" name="email" required autocomplete="email"`+portalValue(email)+`>`)))
}

// handleForgot mails a recovery link to a registered address. Fixed gives any address the same page.
func (p *portal) handleForgot(w http.ResponseWriter, r *http.Request, _ string, ps portalSession) {
	if !p.csrfOK(w, r, ps) {
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if !p.forgot.take(limitKey(r, "")) { // keyed by the client IP only
		p.tooMany(w, func(status int, flash string) { p.forgotPage(w, status, ps, email, flash) })
		return
	}
	u, known := p.accounts.find(email, false)
	if !known && p.mode == Flawed {
		p.forgotPage(w, http.StatusOK, ps, email, portalError(portalMsgNoAccount))
		return
	}
	life := "3 hours" // Gitea's default (RESET_PASSWD_CODE_LIVE_MINUTES = 180); fixed, it is set to 60
	if p.mode == Fixed {
		life = "1 hour"
	}
	if known {
		code := p.accounts.code("recover", u.name)
		p.mail.send(u.email, portalSubjRecover, fmt.Sprintf(`Hello %s,

Please click the following link to recover your account within %s:`, u.name, life), "/user/recover_account?code="+code)
	}
	p.render(w, http.StatusOK, "Forgot Password", ps, portalSuccess(fmt.Sprintf(
		"A confirmation email has been sent to %s. Please check your inbox within the next %s.", email, life)), `<h1>Forgot Password</h1>`)
}

// badRecovery is the page of an unknown or used recovery code: no form.
func (p *portal) badRecovery(w http.ResponseWriter, ps portalSession) {
	p.render(w, http.StatusOK, "Account Recovery", ps, portalError(portalMsgBadRecov),
		`<h1>Account Recovery</h1><p><a href="/user/forgot_password">Request a new recovery link</a></p>`)
}

// recoverPage writes the new-password form of a valid code, with the flash and the bad field.
func (p *portal) recoverPage(w http.ResponseWriter, ps portalSession, code, bad, flash string) {
	p.render(w, http.StatusOK, "Account Recovery", ps, flash, fmt.Sprintf(`<h1>Account Recovery</h1>
<form class="ui form" action="/user/recover_account" method="post">
<input type="hidden" name="_csrf" value="%s">
<input type="hidden" name="code" value="%s">
%s%s<button class="ui primary button">Update Password</button>
</form>`, ps.csrf, esc(code),
		portalField(bad, "password", "Password", `<input type="password" id="password" name="password" required minlength="8" autocomplete="new-password">`),
		portalField(bad, "retype", "Confirm Password", `<input type="password" id="retype" name="retype" required autocomplete="new-password">`)))
}

// handleRecover sets the new password of a valid code's account. Fixed: the code is spent and every session of the
// account ends; Flawed keeps both.
func (p *portal) handleRecover(w http.ResponseWriter, r *http.Request, id string, ps portalSession) {
	if !p.csrfOK(w, r, ps) {
		return
	}
	code := r.PostFormValue("code")
	if _, ok := p.accounts.use("recover", code, false); !ok {
		p.badRecovery(w, ps)
		return
	}
	password := r.PostFormValue("password")
	if field, msg := portalPassword(password, r.PostFormValue("retype"), 8, portalMsgShort, portalMsgMismatch); msg != "" {
		p.recoverPage(w, ps, code, field, portalError(msg))
		return
	}
	name, ok := p.accounts.use("recover", code, p.mode == Fixed)
	if !ok { // spent meanwhile
		p.badRecovery(w, ps)
		return
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	p.accounts.setHash(name, hash)
	if p.mode == Fixed {
		dropWhere(p.sessions, func(s portalSession) bool { return strings.EqualFold(s.name, name) })
	}
	if cur, ok := p.sessions.get(id); ok {
		cur.flash = portalMsgUpdated
		p.sessions.set(id, cur)
	} else {
		p.issue(w, portalSession{flash: portalMsgUpdated})
	}
	http.Redirect(w, r, "/user/login", http.StatusSeeOther)
}
