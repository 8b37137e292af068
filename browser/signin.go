package browser

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

// The sign-ins that type no password: a session the user brings (Resume), a link by mail (RequestLink, then
// FollowLink), and a person at a visible window (Window).

// loginPath is how login pages are usually addressed; a page there with an identifier field is a login form even
// without a password field (magic-link and two-step logins).
var loginPath = regexp.MustCompile(`(?i)/(log-?in|sign-?in|auth|session|account/login|users/sign_in)\b`)

// ShowsLogin reports whether the page is a login form rather than the signed-in app: a visible password field, or
// an identifier field on a login address.
func (p *Page) ShowsLogin() bool {
	found, err := p.mark()
	if err != nil {
		return false
	}
	return found.password || (found.user && loginPath.MatchString(p.URL()))
}

// hasLogout finds a log-out control (a form, button, link or menu item named like one), without using it.
const hasLogout = `() => {` + logoutNames + `
  return [...document.querySelectorAll('form')].some(f => path.test(f.action)) ||
    [...document.querySelectorAll('button, a, input[type=submit], [role=button], [role=menuitem]')].some(e => re.test(label(e)) || (e.href && path.test(e.href)));
}`

// SignedOut says why the page is not the signed-in app ("" when it looks signed in): it shows a login form, or a
// "Log in" link and no way to log out (a visitor's landing page).
func (p *Page) SignedOut() string {
	if p.ShowsLogin() {
		return "it shows the login form at " + p.URL()
	}
	if res, err := p.rod.Timeout(3 * time.Second).Eval(hasLogout); err == nil && res.Value.Bool() {
		return ""
	}
	if link := p.linkMatching(loginLinkWords); link != "" {
		return "it offers to log in (" + link + ") and no way to log out, at " + p.URL()
	}
	return ""
}

// Resume opens start in the context, which holds a saved session (Seed), and checks the app takes it as signed in:
// no login form comes back. Then it reads the session as a login would.
func (c *Context) Resume(ctx context.Context, account, start string) (*Session, error) {
	page, err := c.NewPage(ctx)
	if err != nil {
		return nil, err
	}
	s := &Session{Account: account, Context: c, Page: page}
	if err := page.Goto(start); err != nil {
		page.Close()
		return nil, fmt.Errorf("opening %s: %w", start, c.engine.explain(err))
	}
	if why := page.SignedOut(); why != "" {
		shot := c.engine.screenshot(page, "resume-"+account)
		page.Close()
		return nil, &LoginError{Reason: "the saved session is not signed in (it expired or was logged out): " + why + ": save a new one", Screenshot: shot}
	}
	c.finish(s)
	return s, nil
}

// linkWords find the control that switches a login page to "email me a link" when it also offers a password.
const linkWords = `magic|e-?mail me|send (me )?(a |the )?(sign.?in |login |log.?in |magic )?(link|code)|passwordless|sign in with (e-?mail|a link)`

// RequestLink asks the app for a sign-in link for email: it opens start, switches to the link option when the
// page offers a password first, types the address and sends the form. It returns the page, left open for
// FollowLink, and the app's own words after sending.
func (c *Context) RequestLink(ctx context.Context, account, start, email string) (*Page, string, error) {
	release := c.signingIn()
	defer release()
	page, err := c.NewPage(ctx)
	if err != nil {
		return nil, "", err
	}
	fail := func(reason string) (*Page, string, error) {
		err := &LoginError{Reason: reason, Screenshot: c.engine.screenshot(page, "magic-link-"+account)}
		page.Close()
		return nil, "", err
	}
	if err := page.Goto(start); err != nil {
		return fail(fmt.Sprintf("opening %s: %v", start, c.engine.explain(err)))
	}
	found, _ := page.mark()
	if !found.user {
		if link := page.linkMatching(loginLinkWords); link != "" && page.Goto(link) == nil {
			found, _ = page.mark()
		}
	}
	if found.password || !found.user {
		if page.clickMatching(linkWords) {
			page.settle(5 * time.Second)
			found, _ = page.mark()
		}
	}
	if !found.user {
		return fail(fmt.Sprintf("no email field to request a sign-in link on %s: set paths.login to the page that asks for the address", page.URL()))
	}
	if found.password {
		return fail(fmt.Sprintf("the login page %s asks for a password and offers no \"email me a link\" option: set paths.login to the page that sends sign-in links, or sign in with a password", page.URL()))
	}
	if err := page.fill("user", email); err != nil {
		return fail("could not type the address: " + err.Error())
	}
	page.submit(found.submit)
	text, _ := page.Eval(`() => (document.body ? document.body.innerText : '').slice(0, 300)`)
	return page, text, nil
}

// FollowLink opens a sign-in link from a mail on page and checks it signed the account in.
func (c *Context) FollowLink(ctx context.Context, account string, page *Page, link string) (*Session, error) {
	defer c.signingIn()()
	s := c.stepOn(account, page)
	if err := page.Goto(link); err != nil {
		return nil, fmt.Errorf("opening the sign-in link: %w", c.engine.explain(err))
	}
	page.settle(3 * time.Second)
	return c.signedIn(ctx, s, "the sign-in link from the mail", "magic-link-"+account)
}

// stepOn starts the session a last sign-in step on page makes (a link followed, a code typed), with the cookies a
// visitor held before it.
func (c *Context) stepOn(account string, page *Page) *Session {
	s := &Session{Account: account, Context: c, Page: page, LoginPage: page.URL()}
	s.Before, _ = page.Cookies(page.URL())
	return s
}

// signedIn checks that step left the page signed in, and reads the session as a login would.
func (c *Context) signedIn(ctx context.Context, s *Session, step, shot string) (*Session, error) {
	if why := s.Page.SignedOut(); why != "" {
		return nil, &LoginError{Reason: step + " did not sign in: " + why + "; " + s.Page.alertText(), Screenshot: c.engine.screenshot(s.Page, shot)}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	c.finish(s)
	return s, nil
}

// AsksForCode reports whether the page shows a one-time-code field (a code sent by mail, after RequestLink).
func (p *Page) AsksForCode() bool {
	n, _ := p.markOTP()
	return n > 0
}

// EnterCode types a one-time code from a mail into the page's code field (or its boxes), sends it and checks it
// signed the account in.
func (c *Context) EnterCode(ctx context.Context, account string, page *Page, code string) (*Session, error) {
	defer c.signingIn()()
	s := c.stepOn(account, page)
	fail := func(reason string) (*Session, error) {
		return nil, &LoginError{Reason: reason, Screenshot: c.engine.screenshot(page, "mail-code-"+account)}
	}
	n, err := page.markOTP()
	if err != nil || n == 0 {
		return fail("the page shows no field for the code from the mail at " + page.URL())
	}
	if err := page.typeOTP(n, code); err != nil {
		return fail("could not type the code from the mail: " + err.Error())
	}
	page.press(true, `[data-lr="otp"]`)
	if page.AsksForCode() {
		return fail("the code from the mail was not accepted: " + page.alertText())
	}
	return c.signedIn(ctx, s, "the code from the mail", "mail-code-"+account)
}

// Window is a page a person signs in on by hand (SSO, a captcha, a passkey): the auth hosts stay open to it until
// Close.
type Window struct {
	Context *Context
	Page    *Page
	release func()
}

// OpenWindow opens start for a person to sign in on. The caller waits for them, calls Done, then Close.
func (c *Context) OpenWindow(ctx context.Context, start string) (*Window, error) {
	release := c.signingIn()
	page, err := c.NewPage(ctx)
	if err != nil {
		release()
		return nil, err
	}
	if err := page.Goto(start); err != nil {
		page.Close()
		release()
		return nil, fmt.Errorf("opening %s: %w", start, c.engine.explain(err))
	}
	return &Window{Context: c, Page: page, release: release}, nil
}

// Done captures the session the person signed in with, or says why it is not one: the page still shows the login
// form, or it is not on the app.
func (w *Window) Done() (*State, error) {
	w.Page.settle(2 * time.Second)
	if why := w.Page.SignedOut(); why != "" {
		return nil, fmt.Errorf("the window is not signed in: %s", why)
	}
	return w.Context.Capture(w.Page)
}

// Close closes the window's tab and the auth hosts to the context.
func (w *Window) Close() {
	w.Page.Close()
	w.release()
}

// OpenDialog clicks the first visible button whose whole text matches words (a JavaScript pattern, matched
// case-insensitively) and that submits no form — a header's "Log in" that opens the form in a dialog, as
// single-page apps do (Verdaccio's web UI has no login page at all), a "Forgot password?" that shows another form
// in place — and waits for the page to settle. It reports whether it clicked. A link to a place in this page
// (Supabase Auth UI's "Forgot your password?" is <a href="#auth-forgot-password"> with a click handler) counts as
// a button; links to pages are not clicked: they are followed as pages.
func (p *Page) OpenDialog(words string) bool {
	res, err := p.rod.Timeout(3*time.Second).Eval(`(src) => { const re = new RegExp('^\\s*(?:' + src + ')\\s*$', 'i');`+usable+`
		const el = [...document.querySelectorAll('button, [role=button], a[href]')]
			.find(el => visible(el) && (el.tagName === 'A' ? inPage(el) : !el.form) && re.test(el.innerText || el.getAttribute('aria-label') || ''));
		if (!el) return false;
		document.querySelectorAll('input[type=password]').forEach(f => f.setAttribute('data-lr-before', ''));
		el.click(); return true }`, words)
	if err != nil || !res.Value.Bool() {
		return false
	}
	p.settle(5 * time.Second)
	return true
}

// NewPasswordField reports whether the page shows a password field that was not there before the last OpenDialog
// (any, after a navigation): what a "Sign up" button showed, and not the sign-in form left as it was, which a
// sign-up would otherwise be sent through.
func (p *Page) NewPasswordField() bool {
	res, err := p.rod.Timeout(3 * time.Second).Eval(`() => {` + usable + `
		return [...document.querySelectorAll('input[type=password]')].some(f => visible(f) && !f.hasAttribute('data-lr-before')) }`)
	return err == nil && res.Value.Bool()
}

// clickMatching clicks the first visible button or link whose text matches pattern (case-insensitive).
func (p *Page) clickMatching(pattern string) bool {
	res, err := p.rod.Timeout(3*time.Second).Eval(`(src) => { const re = new RegExp(src, 'i');
		const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 };
		const el = [...document.querySelectorAll('button, a, [role=button], [role=tab], input[type=submit]')]
			.find(el => visible(el) && re.test(el.innerText || el.value || el.getAttribute('aria-label') || ''));
		if (!el) return false; el.click(); return true }`, pattern)
	return err == nil && res.Value.Bool()
}
