package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-rod/rod/lib/proto"
)

// Credentials of one account.
type Credentials struct {
	Email, Password string
	// TOTP returns the current one-time code of the account's second factor; nil when the plan gives none.
	TOTP func() (string, error)
}

// Session is an account logged in through the browser, with what the login left behind.
type Session struct {
	Account    string
	Context    *Context
	Page       *Page  // the tab the account is logged in on
	LoginPage  string // where the form was found
	LandingURL string // where the app took the account after login
	Before     []*proto.NetworkCookie
	Cookies    []*proto.NetworkCookie // the jar after login, flags included
	Local      map[string]string      // localStorage after login
	Storage    map[string]string      // sessionStorage after login
	// IndexedDB is what the origin's IndexedDB databases hold after login (Firebase Auth keeps its tokens there),
	// keyed "database › store › key", each value as JSON.
	IndexedDB map[string]string
	// StorageUnread says why some of the storage above could not be read ("" when all of it was).
	StorageUnread string
	// Traffic is what the app sent and received from the login on, including the walk.
	Traffic []Exchange
	// Walked are the pages the walk opened after login; NotWalked the links it saw, of shapes it never opened,
	// left for its bound.
	Walked, NotWalked []string
	// from is where the session's traffic starts in its page's: a login again on the page an earlier session
	// logged out on follows that session's traffic.
	from int
}

// LoginError is a failed login, with a screenshot of how the page looked.
type LoginError struct {
	Reason     string
	Screenshot string
	Said       string // what the page showed as its error ("" when it showed none): the app's words, not ours
	Status     int    // the highest error status (400 and up) the app answered the login with, 0 for none
	Answer     string // the start of that answer's body: an API's words the page may not show ("Too many login attempts")
	// Refused says the app answered the credentials and turned them down: the form came back after the submit, or
	// a 4xx answered it. A login that never got that far (no form, a field it could not type into, a 5xx, a
	// one-time code asked for) is not a refusal: what the app thinks of the credentials is not known.
	Refused bool
	// Stopped are the hosts outside the scope the login's scripts sent requests to, which the browser stopped: the
	// credentials may never have reached whoever judges them, so the login is no refusal.
	Stopped []string
}

func (e *LoginError) Error() string {
	if e.Screenshot != "" {
		return e.Reason + " (screenshot: " + e.Screenshot + ")"
	}
	return e.Reason
}

// usable defines, for the scripts that pick fields and buttons, what a person could use: shown (with a size, not
// hidden) and not disabled.
const usable = `
  const visible = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && !el.disabled };
  const inPage = a => a.hash !== '' && !/^#!?\//.test(a.hash) && a.origin === location.origin && a.pathname === location.pathname && a.search === location.search;`

// markFields finds the login form's parts without per-app code and marks them with data-lr-* attributes: the
// visible password field, the best identifier field near it, and its submit control. With no password field it
// marks an identifier field and its "continue" button (two-step logins). It returns what it found.
const markFields = `() => {` + usable + `
  document.querySelectorAll('[data-lr]').forEach(el => el.removeAttribute('data-lr'));
  const mark = (el, v) => { if (el) el.setAttribute('data-lr', v); return !!el };
  const pw = [...document.querySelectorAll('input[type=password]')].find(visible);
  const root = (pw && pw.form) || document;
  const inputs = [...root.querySelectorAll('input')].filter(visible);
  const textual = inputs.filter(i => ['email', 'text', 'tel', ''].includes((i.getAttribute('type') || '').toLowerCase()));
  const score = i => (i.type === 'email' ? 4 : 0) + (/user|email/i.test(i.autocomplete || '') ? 3 : 0) +
    (/e-?mail|user|login|ident|account|phone/i.test([i.name, i.id, i.placeholder, i.getAttribute('aria-label')].join(' ')) ? 2 : 0) +
    (pw && (pw.compareDocumentPosition(i) & Node.DOCUMENT_POSITION_PRECEDING) ? 1 : 0);
  textual.sort((a, b) => score(b) - score(a));
  const buttons = [...root.querySelectorAll('button, input[type=submit], input[type=image], [role=button]')].filter(visible);
  const words = /log ?in|sign ?in|continue|next|submit|enter|go/i;
  const submit = buttons.find(b => b.type === 'submit' && b.form === (pw ? pw.form : b.form)) ||
    buttons.find(b => words.test(b.innerText || b.value || b.getAttribute('aria-label') || '')) || null;
  return { password: mark(pw, 'password'), user: mark(textual[0] && score(textual[0]) > 0 ? textual[0] : (pw ? textual[0] : null), 'user'), submit: mark(submit, 'submit') };
}`

// loginLinkWords find a "log in" link on a landing page (a JavaScript pattern, matched case-insensitively).
const loginLinkWords = `\b(log ?in|sign ?in)\b`

// Login opens start (the login page or the app), finds the login form, submits the credentials, waits for the
// app to settle and checks the login took. It then walks the app a little so its API traffic is recorded.
func (c *Context) Login(ctx context.Context, account string, start string, cred Credentials) (*Session, error) {
	f, err := c.OpenLogin(ctx, account, start)
	if err != nil {
		return nil, err
	}
	return f.Submit(ctx, cred)
}

// LoginForm is Login's first half done: the page open on the login form, found and not yet filled. A flow opens
// the next login while the step before it (a mail to read, a password being changed) is still under way, and
// submits once that step is over: the credentials go out after it, only the page load is earlier.
type LoginForm struct {
	c      *Context
	s      *Session
	found  marks
	before int // the traffic from the submit on, once it is sent
	done   func()
	// missing says why no form was found: Submit reports it, with the screenshot then (LoginAgain, which looks on
	// the page a logout left and goes to the login page when there is none, takes none it would not use)
	missing string
}

// OpenLogin opens start and finds the login form on it, or a link or two away. A page the form is not found on
// is no error here: Submit reports it, with the screenshot, as Login does. Close a form that is not submitted.
func (c *Context) OpenLogin(ctx context.Context, account string, start string) (*LoginForm, error) {
	page, err := c.NewPage(ctx)
	if err != nil {
		return nil, err
	}
	if err := page.Goto(start); err != nil {
		page.Close()
		return nil, fmt.Errorf("opening %s: %w", start, c.engine.explain(err))
	}
	return c.findLogin(account, page, 0)
}

// LoginAgain logs the session's account in again after a logout, from the page the logout left it on, as a person
// would: the login form there, or a link or a button away (most apps land on their sign-in page or their first
// page); else from start in a new tab of the context. The new session is on the page it logged in on.
func (s *Session) LoginAgain(ctx context.Context, account, start string, cred Credentials) (*Session, error) {
	f, err := s.Context.findLogin(account, s.Page, len(s.Page.Traffic()))
	switch {
	case err == nil && f.missing == "":
		return f.Submit(ctx, cred)
	case err == nil: // no form there: the tab stays the old session's, for its caller to close
		f.done()
	} // (a tab that could not be read is closed)
	return s.Context.Login(ctx, account, start, cred)
}

// findLogin finds the login form on page, or a link or two away (see OpenLogin). The form owns page from then on;
// the session's traffic is the page's from its exchange from on (0: all of it, the login page's load included,
// where a CSRF token may be).
func (c *Context) findLogin(account string, page *Page, from int) (*LoginForm, error) {
	f := &LoginForm{c: c, s: &Session{Account: account, Context: c, Page: page, from: from}, done: c.signingIn()}
	found, err := page.mark()
	if err != nil {
		f.Close()
		return nil, c.engine.explain(err)
	}
	// The form may be a click or two away: a "log in" link on the landing page, or a "Log in" button that opens it
	// in a dialog, then "Sign in with <provider>" on the login page (a hosted login or identity provider among the
	// plan's auth_hosts).
hops:
	for hop := 0; hop < 3 && !found.password && !found.user; hop++ {
		switch link := page.linkMatching(loginLinkWords); {
		case link != "" && link != page.URL():
			if err := page.Goto(link); err != nil {
				break hops
			}
		case page.OpenDialog(loginLinkWords):
		case page.clickMatching(`^\s*(continue|sign ?in|log ?in) with\b`):
			page.settle(5 * time.Second)
		default:
			break hops
		}
		found, _ = page.mark()
	}
	f.found = found
	if !found.password && !found.user {
		f.missing = fmt.Sprintf("no login form found on %s: set paths.login in the plan to the page with the form", page.URL())
		return f, nil
	}
	f.s.LoginPage = page.URL()
	f.s.Before, _ = page.Cookies(f.s.LoginPage)
	return f, nil
}

// Close ends a login form that was not submitted: the page closes, the context stays.
func (f *LoginForm) Close() {
	if f.done != nil {
		f.done()
		f.done = nil
		f.s.Page.Close()
	}
}

// fail ends the login with reason, the page's screenshot, what it showed and the worst status since the submit.
func (f *LoginForm) fail(reason string) (*Session, error) {
	c, page := f.c, f.s.Page
	hosts := c.stoppedFromSubmit(page, f.before)
	if len(hosts) > 0 {
		reason += fmt.Sprintf("; the login sent requests to %s, outside the plan's scope, and the browser stopped them: if the app signs in through it (Firebase's identitytoolkit.googleapis.com, an Auth0 or Clerk domain), list it in the plan's auth_hosts; if the app's data lives there too (a Supabase project), in scope",
			strings.Join(hosts, ", "))
	}
	le := &LoginError{Reason: reason, Screenshot: c.engine.screenshot(page, "login-"+f.s.Account), Stopped: hosts}
	le.Said, _, _ = page.state()
	for _, x := range page.Traffic()[f.before:] {
		if x.Status >= 400 && x.Status > le.Status {
			le.Status, le.Answer = x.Status, string(x.Body[:min(len(x.Body), 300)])
		}
	}
	return nil, le
}

// refused is fail for an answer the app gave the credentials: the form back, or a 4xx (a 5xx is no verdict).
func (f *LoginForm) refused(reason string) (*Session, error) {
	_, err := f.fail(reason)
	le := err.(*LoginError)
	le.Refused = le.Status < 500 && len(le.Stopped) == 0
	return nil, le
}

// Submit types the credentials into the form, submits them, waits for the app to settle and checks the login took.
func (f *LoginForm) Submit(ctx context.Context, cred Credentials) (*Session, error) {
	if f.done == nil {
		return nil, errors.New("the login form was closed or already submitted")
	}
	defer func() { f.done(); f.done = nil }()
	if f.missing != "" {
		return f.fail(f.missing)
	}
	c, s, page, found := f.c, f.s, f.s.Page, f.found
	fail, refused := f.fail, f.refused

	if !found.password { // two-step: identifier first, then the password on the next step
		if err := page.fill("user", cred.Email); err != nil {
			return fail("could not type into the identifier field: " + err.Error())
		}
		page.submit(found.submit)
		if found, _ = page.mark(); !found.password {
			return fail("after entering the email no password field appeared: if the app signs in with a link by mail, set login: magic-link for the account; for SSO, a captcha or anything else, login: manual or storage_state")
		}
	} else if found.user {
		if err := page.fill("user", cred.Email); err != nil {
			return fail("could not type into the identifier field: " + err.Error())
		}
	}
	if err := page.fill("password", cred.Password); err != nil {
		return fail("could not type into the password field: " + err.Error())
	}
	f.before = len(page.Traffic())
	page.submit(found.submit)

	if sent := page.Traffic()[f.before:]; c.engine.opts.Refuse != nil {
		for _, x := range sent {
			if u, err := url.Parse(x.URL); err == nil && c.engine.opts.Refuse(u) != nil {
				return fail(fmt.Sprintf("the login form sends the password in the URL (%s %s://%s%s?…): the browser stopped it; the form needs method=\"post\" or a script that sends it in a body",
					x.Method, u.Scheme, u.Host, u.Path))
			}
		}
	}
	// The login form back is a refusal: on the page it was on, or on the page the credentials were posted to (a
	// form posting to /session that renders itself again there with 200, as Rails 6 and many Express apps answer).
	// Elsewhere a password field is no refusal: a settings page, a forced password change.
	postedHere := false
	for _, x := range page.Traffic()[f.before:] {
		if x.Type == "Document" && x.Method == "POST" && x.URL == page.URL() {
			postedHere = true
		}
	}
	if again, _ := page.mark(); again.password && (page.URL() == s.LoginPage || postedHere && again.user) {
		return refused(fmt.Sprintf("the login form is still there after submitting (a wrong password, a challenge, or an error shown): %s", page.alertText()))
	}
	if otp, _ := page.markOTP(); otp > 0 {
		if cred.TOTP == nil {
			return fail("the login asks for a one-time code after the password: set totp_env for the account to the variable holding its TOTP secret, or sign in with login: manual or storage_state")
		}
		code, err := cred.TOTP()
		if err != nil {
			return fail("the login asks for a one-time code and none could be made: " + err.Error())
		}
		if err := page.typeOTP(otp, code); err != nil {
			return fail("could not type the one-time code: " + err.Error())
		}
		page.press(true, `[data-lr="otp"]`)
		if again, _ := page.markOTP(); again > 0 {
			return fail("the one-time code was not accepted (is totp_env the secret of this account's second factor, and the machine's clock right?): " + page.alertText())
		}
		if again, _ := page.mark(); again.password {
			return fail("after the one-time code the login form came back: " + page.alertText())
		}
	}
	// An error page is not a login, even without a form on it (a bare "429 Too Many Requests" has none).
	for _, x := range page.Traffic()[f.before:] {
		if x.Type == "Document" && x.URL == page.URL() && x.Status >= 400 {
			return refused(fmt.Sprintf("the app answered %d to the login at %s: %s", x.Status, page.URL(), page.alertText()))
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	c.finish(s)
	return s, nil
}

// finish reads what the login left: where it landed, the cookies, storage, and the app's traffic (without what
// went to the auth hosts: they are not the app).
func (c *Context) finish(s *Session) {
	page := s.Page
	s.LandingURL = page.URL()
	s.Cookies, _ = page.Cookies(s.LandingURL)
	var unread []string
	var err error
	if s.Local, s.Storage, err = page.Storage(); err != nil {
		unread = append(unread, "Web Storage: "+err.Error())
	}
	if s.IndexedDB, err = page.IndexedDB(); err != nil {
		unread = append(unread, "IndexedDB: "+err.Error())
	}
	s.StorageUnread = strings.Join(unread, "; ")
	s.Traffic = c.appTraffic(page, s.from)
}

// stoppedFromSubmit lists the hosts outside the scope that the page's scripts sent a request to (fetch, XHR or a
// POST) from the submit on, which the browser stopped: an identity provider the plan does not name. Before the
// submit (from == 0) nothing is said: pages load analytics and fonts from everywhere.
func (c *Context) stoppedFromSubmit(p *Page, from int) []string {
	if from == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	traffic := p.Traffic()
	for _, x := range traffic[min(from, len(traffic)):] {
		if x.Failed == "" || !x.IsAPI() && x.Method != "POST" {
			continue
		}
		u, err := url.Parse(x.URL)
		if err != nil || seen[u.Host] {
			continue
		}
		if ok, _, _ := c.allows(u); !ok {
			seen[u.Host] = true
			out = append(out, u.Host)
		}
	}
	sort.Strings(out)
	return out
}

// appTraffic is what the page recorded from its exchange from on, without what went to the auth hosts: they are
// not the app, and their login form carried the password.
func (c *Context) appTraffic(page *Page, from int) []Exchange {
	var out []Exchange
	for _, x := range page.rec.ended()[from:] {
		if u, err := url.Parse(x.URL); err == nil && c.engine.isAuthHost(u) {
			continue
		}
		out = append(out, x)
	}
	return out
}

type marks struct{ password, user, submit bool }

// markOTP marks the visible one-time-code input(s) of a second-factor step (data-lr="otp", and "submit" on its
// button) when no password field shows, and returns how many boxes the code goes in: 1, or one per digit.
const markOTP = `() => {` + usable + `
  document.querySelectorAll('[data-lr]').forEach(el => el.removeAttribute('data-lr'));
  if ([...document.querySelectorAll('input[type=password]')].some(visible)) return 0;
  const words = /one.?time|otp|totp|2fa|mfa|two.?factor|verification.?code|auth(entication|enticator)?.?code|security.?code|^code$/i;
  const inputs = [...document.querySelectorAll('input')].filter(visible).filter(i => ['text', 'tel', 'number', ''].includes((i.getAttribute('type') || '').toLowerCase()));
  const label = i => [i.name, i.id, i.placeholder, i.getAttribute('aria-label'), i.labels && i.labels[0] && i.labels[0].innerText].join(' ');
  let boxes = inputs.filter(i => i.autocomplete === 'one-time-code' || words.test(label(i)) || words.test(i.name || ''));
  const digits = inputs.filter(i => i.maxLength === 1);
  if (digits.length >= 4 && (boxes.length === 0 || boxes.every(b => digits.includes(b)))) boxes = digits;
  else boxes = boxes.slice(0, 1);
  if (boxes.length === 0) return 0;
  boxes.forEach((b, i) => b.setAttribute('data-lr', 'otp' + (boxes.length > 1 ? i : '')));
  boxes[0].setAttribute('data-lr', 'otp');
  const root = boxes[0].form || document;
  const submit = [...root.querySelectorAll('button, input[type=submit]')].filter(visible)
    .find(b => b.type === 'submit' || /verify|continue|submit|sign ?in|log ?in|confirm|next/i.test(b.innerText || b.value || ''));
  if (submit) submit.setAttribute('data-lr', 'submit');
  return boxes.length;
}`

func (p *Page) markOTP() (int, error) {
	res, err := p.rod.Timeout(5 * time.Second).Eval(markOTP)
	if err != nil {
		return 0, err
	}
	return res.Value.Int(), nil
}

// typeOTP types the code into the marked box, or a digit into each of n boxes.
func (p *Page) typeOTP(n int, code string) error {
	if n <= 1 {
		return p.fill("otp", code)
	}
	for i, d := range code {
		sel := "otp" + fmt.Sprint(i)
		if i == 0 {
			sel = "otp"
		}
		if i >= n {
			break
		}
		if err := p.fill(sel, string(d)); err != nil {
			return err
		}
	}
	return nil
}

func (p *Page) mark() (marks, error) {
	res, err := p.rod.Timeout(5 * time.Second).Eval(markFields)
	if err != nil {
		return marks{}, err
	}
	v := res.Value
	return marks{password: v.Get("password").Bool(), user: v.Get("user").Bool(), submit: v.Get("submit").Bool()}, nil
}

func (p *Page) fill(which, text string) error {
	el, err := p.rod.Timeout(5 * time.Second).Element(`[data-lr="` + which + `"]`)
	if err != nil {
		return err
	}
	return typeInto(el, text)
}

// submit clicks the marked submit control (or presses Enter in the login's fields) and waits for the app to settle.
func (p *Page) submit(haveButton bool) { p.press(haveButton, `[data-lr="password"], [data-lr="user"]`) }

// press clicks the control marked data-lr="submit" when there is one, else presses Enter in the first element
// fields selects, then waits for the app's requests to settle and the document to be ready.
func (p *Page) press(haveButton bool, fields string) {
	since := time.Now()
	clicked := false
	if haveButton {
		if el, err := p.rod.Timeout(3 * time.Second).Element(`[data-lr="submit"]`); err == nil {
			clicked = el.Click(proto.InputMouseButtonLeft, 1) == nil
		}
	}
	if !clicked {
		if el, err := p.rod.Timeout(3 * time.Second).Element(fields); err == nil {
			_ = el.Type('\r')
		}
	}
	p.quiet(since, 400*time.Millisecond, 8*time.Second, true)
	_ = p.domReady(5 * time.Second)
}

// alertText returns what the page shows as an error, if it marks one.
func (p *Page) alertText() string {
	if alert, _, _ := p.state(); alert != "" {
		return "the page says: " + alert
	}
	return "no error text shown"
}

// linkMatching returns the first same-origin link to another page whose text or address matches re. A link to a
// place in this page (#auth-sign-up, not a hash route such as #/signup) is no page: a script handles its click
// (see OpenDialog).
func (p *Page) linkMatching(pattern string) string {
	res, err := p.rod.Timeout(3*time.Second).Eval(`(src) => { const re = new RegExp(src, 'i');`+usable+`
		const a = [...document.querySelectorAll('a[href]')].find(a => a.origin === location.origin && !inPage(a) && (re.test(a.innerText) || re.test(a.pathname)));
		return a ? a.href : '' }`, pattern)
	if err != nil {
		return ""
	}
	return res.Value.Str()
}

// screenshot saves the page as a PNG readable by its owner only, and returns the path ("" if it could not).
func (e *Engine) screenshot(p *Page, name string) string {
	if e.opts.ScreenshotDir == "" {
		return ""
	}
	png, err := p.rod.Timeout(5*time.Second).Screenshot(false, nil)
	if err != nil {
		return ""
	}
	path := filepath.Join(e.opts.ScreenshotDir, name+".png")
	if err := os.WriteFile(path, png, 0o600); err != nil {
		return ""
	}
	return path
}

// IsLoginError reports whether err is a login that did not take (as opposed to a browser fault).
func IsLoginError(err error) bool {
	var le *LoginError
	return errors.As(err, &le)
}
