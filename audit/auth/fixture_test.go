package auth_test

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// notesApp is a second fixture, unlike the demo in every way the flows touch: a single-page app over a JSON API
// with bearer tokens in localStorage; a sign-up page with no <form> element ("Work email", "Repeat password",
// a terms checkbox, "Create my account"); UUID confirmation links in a path; reset links with the token in the
// fragment (#t=…) read by the page's script; invites by ?code=; plain-text mail without DKIM. weak switches on
// its flaws: no confirmation needed, reusable reset and invite links, and telling which addresses exist.
type notesApp struct {
	weak        bool
	signupLimit int // sign-ups taken before every other one is answered 429 (0: no limit)
	// A login limit caught at the worst moment: an unconfirmed account's login, or a login with any but the
	// current password after a reset, is answered 429.
	limitUnconfirmed, limitAfterReset bool
	limitReuse                        bool // a confirmation, reset or invite link used a second time is answered 429
	limitAcceptOthers                 bool // a signed-in account accepting an invite addressed to another is answered 429
	limitFailures                     bool // every failed login and every reset request is answered 429 (an edge limit that knows this client)
	keepSessions                      bool // a password reset ends none of the account's sessions
	lockAfter                         int  // failed logins of an account before it is locked: 500 "Too many login attempts" (0: never)
	failedLogins                      map[string]int
	oneSession                        bool   // a login ends the account's other sessions: one session per account
	clientOnlyPolicy                  bool   // the page refuses short passwords before sending them; the server takes any
	clientRefusesCommon               bool   // the page refuses a password containing "password"; the server fails (500) on one
	builtTokens                       bool   // reset tokens and invite codes are base64url of the address and the time: data, not randomness
	resetLife                         string // how long the reset mail says its link works ("" for 20 minutes)
	faults                            bool   // each of those limits answers 500 "Something went wrong" instead: the app failing then
	// signupDialog: no sign-up page is linked; a "Sign up" button in the header opens the sign-up form in a
	// <dialog> on whatever page it is clicked (as many single-page apps do)
	signupDialog bool
	// recoverButton: the sign-in page links no recovery page; its "Forgot password?" button shows the form that
	// asks for a reset in place of the sign-in fields (as many Supabase-backed apps' auth pages do)
	recoverButton bool
	// authAnchors: as Supabase Auth UI draws it, the sign-in page's "Forgot your password?" and "Don't have an
	// account? Sign up" are links to places in the page (#auth-forgot-password) whose clicks switch the view; no
	// page is linked for either
	authAnchors bool
	// inviteDialog: the team page shows an "Invite members" button; the invite form appears when it is clicked
	inviteDialog bool
	// modalAuth: no page is linked for signing in, up or a reset; a "Sign in" button in the header opens the
	// sign-in form in a <dialog>, whose "Forgot password?" and "Create an account" buttons switch it to those forms
	modalAuth bool
	// deadSignup: no sign-up page is linked, and the sign-in page's "Sign up" button shows nothing (its script is
	// elsewhere, or broken): the sign-in form stays as it was
	deadSignup bool
	// confirmBy: how the confirmation link's page confirms: on its load (""), once the account's password is typed
	// into it ("password", as Gitea's activation page asks), or once its "Confirm my email" button is pressed
	// ("button", a page that keeps mail scanners, which open every link, from confirming)
	confirmBy string
	// mailEvery: an account is sent one mail per three minutes (Gitea, whose confirmation mail counts); a reset
	// request within them sends nothing and is answered in a plain paragraph, "Please wait 3 minutes and try
	// again." ("said"), or with the form left as it was and not a word ("silent", as Gitea does)
	mailEvery string
	lastMail  map[string]time.Time
	used      map[string]bool
	smtpAddr  string
	base      string

	mu       sync.Mutex
	signups  int
	users    map[string]*noteUser // by email
	tokens   map[string]string    // bearer token -> email
	confirms map[string]string    // confirmation id -> email
	resets   map[string]string    // reset token -> email
	invites  map[string]string    // invite code -> team
}

type noteUser struct {
	Email, Password, Team string
	Confirmed, Reset      bool
}

func startNotes(t *testing.T, weak bool, accounts map[string]string) (*httptest.Server, *notesApp) {
	app := &notesApp{weak: weak, users: map[string]*noteUser{}, tokens: map[string]string{},
		confirms: map[string]string{}, resets: map[string]string{}, invites: map[string]string{}}
	for email, pw := range accounts {
		app.users[email] = &noteUser{Email: email, Password: pw, Team: "team-" + email[:1], Confirmed: true}
	}
	srv := httptest.NewServer(app.routes())
	app.base = srv.URL
	t.Cleanup(srv.Close)
	return srv, app
}

// deliverTo points the app's mail at the SMTP server on addr.
func (a *notesApp) deliverTo(addr string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.smtpAddr = addr
}

// secret makes a reset token or invite code for addr: random, or built from the address and the time.
func (a *notesApp) secret(addr string) string {
	if a.builtTokens {
		return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s:%d", addr, time.Now().UnixNano()))
	}
	return random32()
}

func random32() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

const notesShell = `<!doctype html><html><head><meta charset="utf-8"><title>Notes</title></head><body>
<nav><a href="/">Notes</a> · <a href="/signin">Sign in</a> · <a href="/get-started">Get started</a></nav><main id="view"></main>
<script src="/notes.js"></script></body></html>`

const notesJS = `
let view = document.getElementById('view'), teamFormShown = false;
const opener = document.getElementById('signup');
const inDialog = route => () => { const d = document.createElement('dialog'); document.body.appendChild(d); d.showModal(); view = d; routes[route]() };
if (opener) opener.onclick = inDialog('/get-started');
const signinOpener = document.getElementById('signin-open');
if (signinOpener) signinOpener.onclick = inDialog('/signin');
const api = async (path, body, auth) => {
  const h = {'Content-Type': 'application/json'};
  if (auth) h.Authorization = 'Bearer ' + localStorage.getItem('notes_token');
  const r = await fetch(path, {method: body ? 'POST' : 'GET', headers: h, body: body ? JSON.stringify(body) : undefined});
  return {ok: r.ok, status: r.status, data: await r.json().catch(() => ({}))};
};
const say = (ok, text) => { const p = document.createElement('p'); p.setAttribute('role', ok ? 'status' : 'alert'); p.textContent = text; view.querySelectorAll('[role]').forEach(e => e.remove()); view.appendChild(p) };
const fields = html => { view.innerHTML = html; return [...view.querySelectorAll('input')] };
const routes = {
  '/signin': () => {
    const links = recoverButton ? '<p><button type="button" id="recover">Forgot password?</button></p>'
      : deadSignup ? '<p><a href="/account/recover">Trouble signing in?</a> <button type="button">Sign up</button></p>'
      : modalAuth ? '<p><button type="button" id="recover">Forgot password?</button> <button type="button" id="join">Create an account</button></p>'
      : authAnchors ? '<p><a href="#auth-forgot-password" id="recover">Forgot your password?</a></p><p><a href="#auth-sign-up" id="join">Don\u2019t have an account? Sign up</a></p>'
      : '<p><a href="/account/recover">Trouble signing in?</a></p>';
    const [email, pw] = fields('<h1>Welcome back</h1><input type="text" placeholder="Email address" autocomplete="username"><input type="password" placeholder="Password"><button>Continue</button>' + links);
    for (const [id, route] of [['recover', '/account/recover'], ['join', '/get-started']]) {
      const el = document.getElementById(id);
      if (el) el.onclick = e => { e.preventDefault(); routes[route]() };
    }
    view.querySelector('button').onclick = async () => {
      const r = await api('/api/session', {email: email.value, password: pw.value});
      if (!r.ok) return say(false, r.data.error);
      localStorage.setItem('notes_token', r.data.token); location.href = '/app';
    };
  },
  '/get-started': () => {
    const [name, email, pw, pw2, terms] = fields('<h1>Create your workspace</h1><label>Full name <input type="text" required></label><label>Work email <input type="email"></label><label>Password <input type="password"></label><label>Repeat password <input type="password"></label><label><input type="checkbox" required> I agree to the terms</label><button>Create my account</button>');
    view.querySelector('button').onclick = async () => {
      if (!terms.checked) return say(false, 'Please accept the terms.');
      if (pw.value !== pw2.value) return say(false, 'The passwords do not match.');
      if (clientPolicy && pw.value.length < 12) return say(false, 'Use 12 characters or more.');
      if (clientCommon && /password/i.test(pw.value)) return say(false, 'That password is too common.');
      const r = await api('/api/users', {name: name.value, email: email.value, password: pw.value});
      if (r.data.token) { localStorage.setItem('notes_token', r.data.token); location.href = '/app'; return }
      say(r.ok, r.ok ? 'Almost there: we sent you a confirmation link.' : r.data.error);
    };
  },
  '/app': async () => {
    const r = await api('/api/me', null, true);
    if (!r.ok) { location.href = '/signin'; return }
    view.innerHTML = '<h1>Notes of ' + r.data.email + '</h1><a href="/app/team">Team</a> <button id="out">Sign out</button>';
    document.getElementById('out').onclick = () => { localStorage.removeItem('notes_token'); location.href = '/signin' };
  },
  '/app/team': () => {
    if (inviteDialog && !teamFormShown) {
      view.innerHTML = '<h1>Your team</h1><button type="button" id="invite-open">Invite members</button>';
      view.querySelector('#invite-open').onclick = () => { teamFormShown = true; routes['/app/team']() };
      return;
    }
    view.innerHTML = '<h1>Your team</h1><form><input type="email" name="invitee" placeholder="colleague@company.com"><button type="submit">Invite</button></form>';
    view.querySelector('form').onsubmit = async ev => { ev.preventDefault(); const r = await api('/api/invites', {email: view.querySelector('input').value}, true); say(r.ok, r.ok ? 'Invite sent.' : r.data.error) };
  },
  '/account/recover': () => {
    view.innerHTML = '<h1>Recover your account</h1><form><input type="text" name="identifier" placeholder="Email"><button type="submit">Send me a link</button></form>';
    view.querySelector('form').onsubmit = async ev => { ev.preventDefault(); const r = await api('/api/recover', {email: view.querySelector('input').value});
      if (r.ok && r.data.status === 'wait-silent') return;
      if (r.ok && r.data.status === 'wait-said') return view.insertAdjacentHTML('beforeend', '<p>You have already requested an email recently. Please wait 3 minutes and try again.</p>');
      say(r.ok, r.ok ? 'Check your inbox.' : r.data.error) };
  },
  '/account/new-password': () => {
    const [pw, pw2] = fields('<h1>New password</h1><input type="password" placeholder="New password"><input type="password" placeholder="Again"><button>Save password</button>');
    view.querySelector('button').onclick = async () => {
      const t = new URLSearchParams(location.hash.slice(1)).get('t');
      const r = await api('/api/password', {t, password: pw.value});
      if (!r.ok) return say(false, r.data.error);
      location.href = '/signin';
    };
  },
  '/join': () => {
    const code = new URLSearchParams(location.search).get('code');
    if (localStorage.getItem('notes_token')) { // signed in: one click joins with this account
      view.innerHTML = '<h1>Join the team</h1><button>Accept invitation</button>';
      view.querySelector('button').onclick = async () => { const r = await api('/api/join', {code, accept: true}, true); say(r.ok, r.ok ? 'You joined the team.' : r.data.error) };
      return;
    }
    const [name, pw] = fields('<h1>Join the team</h1><input type="text" placeholder="Your name" required><input type="password" placeholder="Choose a password"><button>Join</button>');
    view.querySelector('button').onclick = async () => {
      const r = await api('/api/join', {code: new URLSearchParams(location.search).get('code'), email: new URLSearchParams(location.search).get('email'), password: pw.value});
      if (!r.ok) return say(false, r.data.error);
      localStorage.setItem('notes_token', r.data.token); location.href = '/app';
    };
  },
};
if (location.pathname.startsWith('/confirm/')) {
  const confirm = extra => api('/api/confirm', Object.assign({id: location.pathname.split('/')[2]}, extra)).then(r => say(r.ok, r.ok ? 'Email confirmed, you can sign in.' : r.data.error));
  if (confirmBy === 'password') {
    const [pw] = fields('<h1>Activate your account</h1><label>Password <input type="password"></label><button>Confirm password</button>');
    view.querySelector('button').onclick = () => confirm({password: pw.value});
  } else if (confirmBy === 'button') {
    view.innerHTML = '<h1>One more step</h1><p>Press the button to confirm your address.</p><button>Confirm my email</button>';
    view.querySelector('button').onclick = () => confirm({});
  } else confirm({});
} else (routes[location.pathname] || (() => { view.innerHTML = '<h1>Notes</h1>' }))();
`

func (a *notesApp) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, "const clientPolicy = %v, clientCommon = %v, recoverButton = %v, authAnchors = %v, inviteDialog = %v, modalAuth = %v, deadSignup = %v, confirmBy = %q;\n%s", a.clientOnlyPolicy, a.clientRefusesCommon, a.recoverButton, a.authAnchors, a.inviteDialog, a.modalAuth, a.deadSignup, a.confirmBy, notesJS)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		if a.modalAuth {
			fmt.Fprint(w, strings.Replace(notesShell, `<a href="/signin">Sign in</a> · <a href="/get-started">Get started</a>`, `<button type="button" id="signin-open">Sign in</button>`, 1))
			return
		}
		if a.authAnchors || a.deadSignup {
			fmt.Fprint(w, strings.Replace(notesShell, ` · <a href="/get-started">Get started</a>`, ``, 1))
			return
		}
		if a.signupDialog {
			fmt.Fprint(w, strings.Replace(notesShell, `<a href="/get-started">Get started</a>`, `<button type="button" id="signup">Sign up</button>`, 1))
			return
		}
		fmt.Fprint(w, notesShell)
	})
	mux.HandleFunc("POST /api/session", a.session)
	mux.HandleFunc("POST /api/users", a.register)
	mux.HandleFunc("POST /api/confirm", a.confirm)
	mux.HandleFunc("GET /api/me", a.me)
	mux.HandleFunc("POST /api/recover", a.recover)
	mux.HandleFunc("POST /api/password", a.password)
	mux.HandleFunc("POST /api/invites", a.invite)
	mux.HandleFunc("POST /api/join", a.join)
	return mux
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]string{"error": msg})
}

type notesBody struct {
	Name, Email, Password, ID, T, Code string
	Accept                             bool
}

func body(r *http.Request) notesBody {
	var b notesBody
	json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&b)
	b.Email = strings.ToLower(strings.TrimSpace(b.Email))
	return b
}

// mail sends a plain-text message through the SMTP server the plan's sink listens on, unsigned.
func (a *notesApp) mail(to, subject, text string) {
	if a.lastMail == nil {
		a.lastMail = map[string]time.Time{}
	}
	a.lastMail[to] = time.Now()
	msg := "From: Notes <hello@notes.test>\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n\r\n" + text + "\r\n"
	go func() {
		for try := 0; try < 25; try++ {
			if smtp.SendMail(a.smtpAddr, nil, "hello@notes.test", []string{to}, []byte(msg)) == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
}

func (a *notesApp) login(email string) string {
	if a.oneSession {
		for tok, e := range a.tokens {
			if e == email {
				delete(a.tokens, tok)
			}
		}
	}
	tok := random32()
	a.tokens[tok] = email
	return tok
}

// failed counts one more failed login of the account, and returns the count; the caller holds mu.
func (a *notesApp) failed(email string) int {
	if a.failedLogins == nil {
		a.failedLogins = map[string]int{}
	}
	a.failedLogins[email]++
	return a.failedLogins[email]
}

func (a *notesApp) session(w http.ResponseWriter, r *http.Request) {
	b := body(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users[b.Email]
	switch {
	case u != nil && (a.limitUnconfirmed && !u.Confirmed || a.limitAfterReset && u.Reset && u.Password != b.Password),
		a.limitFailures && (u == nil || u.Password != b.Password):
		a.limit(w, "Too many attempts. Try again later.")
	case u != nil && a.lockAfter > 0 && u.Password != b.Password && a.failed(u.Email) > a.lockAfter:
		fail(w, 500, "Too many login attempts. Wait 10 minutes and try again.")
	case u == nil && a.weak:
		fail(w, 404, "We don't know that address.")
	case u == nil || u.Password != b.Password:
		fail(w, 401, "Email or password is wrong.")
	case !u.Confirmed && !a.weak:
		fail(w, 403, "Please confirm your email first.")
	default:
		reply(w, 200, map[string]string{"token": a.login(u.Email)})
	}
}

func (a *notesApp) register(w http.ResponseWriter, r *http.Request) {
	b := body(r)
	a.mu.Lock()
	a.signups++
	over := a.signupLimit > 0 && a.signups > a.signupLimit
	a.mu.Unlock()
	if over {
		a.limit(w, "Too many sign-ups from your network. Try again later.")
		return
	}
	common := strings.Contains(strings.ToLower(b.Password), "password")
	if a.clientRefusesCommon && common {
		fail(w, 500, "Something went wrong.")
		return
	}
	if !a.clientOnlyPolicy && (len(b.Password) < 12 || common) {
		fail(w, 422, "Use 12 characters or more, and not a common password.")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.users[b.Email] != nil {
		if a.weak {
			fail(w, 409, "That email is taken.")
		} else {
			reply(w, 202, map[string]string{"status": "pending"})
		}
		return
	}
	a.users[b.Email] = &noteUser{Email: b.Email, Password: b.Password, Team: "team-" + b.Email}
	id := uuid.NewString()
	if a.builtTokens {
		id = a.secret(b.Email)
	}
	a.confirms[id] = b.Email
	a.mail(b.Email, "Confirm your Notes account", "Confirm your address: "+a.base+"/confirm/"+id+"\nThis link expires in 30 minutes.")
	if a.weak {
		reply(w, 201, map[string]string{"token": a.login(b.Email)})
		return
	}
	reply(w, 202, map[string]string{"status": "pending"})
}

// limit answers as the app's limit does: 429 with Retry-After and its words, or a 500 when the app fails instead.
func (a *notesApp) limit(w http.ResponseWriter, msg string) {
	if a.faults {
		fail(w, 500, "Something went wrong.")
		return
	}
	w.Header().Set("Retry-After", "60")
	fail(w, 429, msg)
}

// reusedUnderLimit answers 429 to a link's second use when the app limits those, and reports whether it did.
func (a *notesApp) reusedUnderLimit(w http.ResponseWriter, key string) bool {
	if !a.limitReuse {
		return false
	}
	if a.used == nil {
		a.used = map[string]bool{}
	}
	if a.used[key] {
		a.limit(w, "Too many attempts. Try again later.")
		return true
	}
	a.used[key] = true
	return false
}

func (a *notesApp) confirm(w http.ResponseWriter, r *http.Request) {
	b := body(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.reusedUnderLimit(w, "confirm:"+b.ID) {
		return
	}
	email, ok := a.confirms[b.ID]
	if !ok {
		fail(w, 410, "This confirmation link has expired.")
		return
	}
	if a.confirmBy == "password" && b.Password != a.users[email].Password {
		fail(w, 403, "That is not your password.")
		return
	}
	if !a.weak {
		delete(a.confirms, b.ID)
	}
	a.users[email].Confirmed = true
	reply(w, 200, map[string]string{"status": "confirmed"})
}

func (a *notesApp) me(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	email, ok := a.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		fail(w, 401, "Sign in first.")
		return
	}
	reply(w, 200, map[string]string{"email": email, "team": a.users[email].Team})
}

func (a *notesApp) recover(w http.ResponseWriter, r *http.Request) {
	b := body(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.limitFailures {
		a.limit(w, "Too many requests. Try again later.")
		return
	}
	if u := a.users[b.Email]; u != nil && a.mailEvery != "" && time.Since(a.lastMail[u.Email]) < 3*time.Minute {
		reply(w, 200, map[string]string{"status": "wait-" + a.mailEvery})
		return
	} else if u != nil {
		tok := a.secret(u.Email)
		a.resets[tok] = u.Email
		a.mail(u.Email, "Your Notes password", "Choose a new password within "+cmp.Or(a.resetLife, "20 minutes")+": "+a.base+"/account/new-password#t="+tok)
	} else if a.weak {
		fail(w, 404, "No account uses that address.")
		return
	}
	reply(w, 200, map[string]string{"status": "sent"})
}

func (a *notesApp) password(w http.ResponseWriter, r *http.Request) {
	b := body(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.reusedUnderLimit(w, "reset:"+b.T) {
		return
	}
	email, ok := a.resets[b.T]
	if !ok || len(b.Password) < 12 {
		fail(w, 400, "This reset link is no longer valid.")
		return
	}
	if !a.weak {
		delete(a.resets, b.T)
	}
	a.users[email].Password, a.users[email].Reset = b.Password, true
	for tok, e := range a.tokens { // every session of the account ends
		if e == email && !a.keepSessions {
			delete(a.tokens, tok)
		}
	}
	reply(w, 200, map[string]string{"status": "changed"})
}

func (a *notesApp) invite(w http.ResponseWriter, r *http.Request) {
	b := body(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	inviter, ok := a.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		fail(w, 401, "Sign in first.")
		return
	}
	code := a.secret(b.Email)
	a.invites[code] = a.users[inviter].Team + "|" + b.Email
	a.mail(b.Email, "Join my team on Notes", "You're invited! Join within 7 days: "+a.base+"/join?code="+code+"&email="+b.Email)
	reply(w, 201, map[string]string{"status": "invited"})
}

func (a *notesApp) join(w http.ResponseWriter, r *http.Request) {
	b := body(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	inv, ok := a.invites[b.Code]
	team, invited, _ := strings.Cut(inv, "|")
	if ok && b.Accept { // a signed-in account accepts: careful apps check the invite is addressed to it
		me, signedIn := a.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		switch {
		case !signedIn:
			fail(w, 401, "Sign in first.")
		case me != invited && a.limitAcceptOthers:
			a.limit(w, "Too many attempts. Try again later.")
		case me != invited && !a.weak:
			fail(w, 403, "This invitation is for another address.")
		default:
			a.users[me].Team = team
			delete(a.invites, b.Code)
			reply(w, 200, map[string]string{"status": "joined"})
		}
		return
	}
	if a.reusedUnderLimit(w, "join:"+b.Code) {
		return
	}
	if !ok || len(b.Password) < 12 {
		fail(w, 400, "This invite can't be used.")
		return
	}
	if u := a.users[invited]; u != nil && u.Team == team {
		fail(w, 409, "You're already on this team.")
		return
	}
	if !a.weak {
		delete(a.invites, b.Code)
	}
	a.users[invited] = &noteUser{Email: invited, Password: b.Password, Team: team, Confirmed: true}
	reply(w, 201, map[string]string{"token": a.login(invited)})
}
