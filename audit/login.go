package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/ledger"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// Session is an account logged in to the app.
type Session struct {
	Account   string // "a" or "b"
	Email     string
	Jar       http.CookieJar
	LoginPage string             // where the form was found
	Landing   string             // where the login took the account
	Traffic   []browser.Exchange // what the browser recorded, when the browser logged in
	Header    http.Header        // headers every request of the session carries (Authorization for token apps)
	Before    []*http.Cookie     // cookies the app had set before the form was submitted
	// SetCookies are the raw Set-Cookie lines the login answer (and its redirects) sent, with the URL that set them;
	// Issued those the login page itself came with, before the form was sent.
	SetCookies, Issued []SetCookie
	// Cookies are the cookies the login set (or changed), with their attributes: the session's identifiers.
	Cookies []*http.Cookie
}

// SetCookie is one Set-Cookie line and the URL that sent it. The value is a secret: redact before showing.
type SetCookie struct {
	URL  string
	Line string
}

var (
	errEmptyPassword = errors.New("no password")
	errWrongPassword = errors.New("login refused")
)

// ErrNoAccount means the plan has no such account; checks that need it are skipped.
var ErrNoAccount = errors.New("no such account in the plan")

func errNoAccount(who string) error {
	return fmt.Errorf("account %s: %w (add accounts.%s to the plan)", who, ErrNoAccount, who)
}

// Login logs the plan's account ("a" or "b") in, once per audit; later calls share the result.
func (t *Target) Login(ctx context.Context, who string) (*Session, error) {
	t.mu.Lock()
	so, ok := t.sessions[who]
	if !ok {
		so = &sessionOnce{}
		t.sessions[who] = so
	}
	t.mu.Unlock()
	so.once.Do(func() { so.s, so.err = t.login(ledger.Tag(ctx, "log in as "+strings.ToUpper(who)+" over HTTP"), who) })
	return so.s, so.err
}

// login submits the app's server-rendered POST form over HTTP when there is one (fast, no browser), and otherwise —
// or when that login does not take — logs in with the browser, which runs the app's own script. "Wrong password"
// is only said when the browser saw the app refuse too.
func (t *Target) login(ctx context.Context, who string) (*Session, error) {
	if acc := t.account(who); acc != nil && acc.browserOnly() {
		// No password form to post over HTTP (or a second step after it): the browser signs in as the plan says.
		bs, err := t.BrowserSession(ctx, who)
		if err != nil {
			return nil, err
		}
		return fromBrowser(who, acc.Email, bs, true), nil
	}
	acc, password, err := t.credentials(who)
	if err != nil {
		return nil, err
	}
	var httpErr error
	if form, err := t.htmlForm(ctx, account.Login); err == nil {
		s, err := t.formLogin(ctx, who, acc, password, form)
		if err == nil {
			return s, nil
		}
		httpErr = err
	}
	bs, berr := t.BrowserSession(ctx, who)
	switch {
	case berr == nil:
		return fromBrowser(who, acc.Email, bs, true), nil
	case httpErr != nil && browser.IsLoginError(berr):
		return nil, fmt.Errorf("%w; in the browser too: %v: %w", httpErr, berr, errWrongPassword)
	case httpErr != nil:
		return nil, fmt.Errorf("%w; the browser could not try: %v", httpErr, berr)
	}
	return nil, berr
}

// credentials returns the plan's account and its password, or why there is none.
func (t *Target) credentials(who string) (*Account, string, error) {
	acc := t.account(who)
	if acc == nil {
		return nil, "", errNoAccount(who)
	}
	if m := acc.Method(); m != LoginPassword {
		return nil, "", fmt.Errorf("account %s signs in with %s: %w", who, methodText(m), ErrNoPassword)
	}
	password := t.getenv(acc.PasswordEnv)
	if password == "" {
		return nil, "", fmt.Errorf("account %s: the environment variable %s is empty: export the test account's password in it: %w", who, acc.PasswordEnv, errEmptyPassword)
	}
	return acc, password, nil
}

// Apply makes req carry the session: its cookie jar and its headers.
func (s *Session) Apply(req *probe.Request) *probe.Request {
	req.Jar = s.Jar
	if len(s.Header) > 0 {
		if req.Header == nil {
			req.Header = http.Header{}
		}
		for k, vs := range s.Header {
			req.Header[k] = vs
		}
	}
	return req
}

func (t *Target) account(who string) *Account {
	switch who {
	case "a":
		return t.Plan.Accounts.A
	case "b":
		return t.Plan.Accounts.B
	}
	return nil
}

// formLogin submits the login form of the server's HTML (read afresh, with its CSRF field) over HTTP.
func (t *Target) formLogin(ctx context.Context, who string, acc *Account, password string, form *Form) (*Session, error) {
	jar, _ := cookiejar.New(nil)
	t.Probe.NeverInURL(password)
	req, page, issued, err := form.request(ctx, jar, account.Values{account.Email: acc.Email, account.Password: password})
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", who, err)
	}
	pageURL, _ := url.Parse(page)
	s := &Session{Account: who, Email: acc.Email, Jar: jar, LoginPage: page, Before: jar.Cookies(pageURL), Issued: issued}
	req.Follow = 5
	resp, err := t.Probe.Do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("account %s: submitting the login form: %w", who, err)
	}
	for _, h := range resp.Hops {
		for _, line := range h.SetCookie {
			s.SetCookies = append(s.SetCookies, SetCookie{URL: h.URL, Line: line})
			if ck, err := http.ParseSetCookie(line); err == nil && ck.MaxAge >= 0 && ck.Value != "" {
				s.Cookies = append(s.Cookies, ck)
			}
		}
	}
	s.Landing = resp.URL
	final, _ := url.Parse(resp.URL)
	if resp.Status >= 400 || account.HasPasswordForm(resp.Body, resp.URL) {
		return nil, fmt.Errorf("account %s: login as %s over HTTP did not take (%s answered %d at %s, the login form came back): check the password in %s",
			who, acc.Email, form.Endpoint(), resp.Status, t.Probe.Redactor().String(resp.URL), acc.PasswordEnv)
	}
	if len(s.SetCookies) == 0 && len(jar.Cookies(final)) == 0 {
		return nil, fmt.Errorf("account %s: the login form was accepted but no session cookie was set", who)
	}
	return s, nil
}

// methodText names a way of signing in, for messages.
func methodText(m string) string {
	switch m {
	case LoginStorageState:
		return "a saved session (storage_state)"
	case LoginManual:
		return "a sign-in by hand (login: manual)"
	case LoginMagicLink:
		return "a sign-in link by mail (login: magic-link)"
	}
	return "its password"
}

// LoginOutcome turns a failed Login into the result a check reports: skipped when the plan has no such account,
// inconclusive otherwise.
func LoginOutcome(err error) Result {
	if errors.Is(err, ErrNoAccount) || errors.Is(err, ErrNoPassword) {
		return NotRun(err.Error())
	}
	why := "could not log in: " + strings.TrimPrefix(err.Error(), "account ")
	var le *browser.LoginError
	if errors.As(err, &le) && account.HeldOff(le.Status, le.Said+" "+le.Reason+" "+le.Answer) {
		why += "; the app is holding the account off for too many attempts, not refusing its password: its limit on " +
			"failed logins (an audit's own login timing and burst reach it, and some apps hold an account for minutes). " +
			"Wait as long as the app says, then run again, or use other test accounts"
	}
	return Undecided(why)
}

// FreshLogin logs the account in again, sharing nothing with earlier logins, the way the account logs in (the
// HTML form, else the browser): to see whether it still can.
func (t *Target) FreshLogin(ctx context.Context, who string) error {
	if acc := t.account(who); acc != nil && acc.browserOnly() {
		if !acc.Renewable() {
			return fmt.Errorf("account %s signs in with %s: %w", who, methodText(acc.Method()), ErrNoPassword)
		}
		bs, err := t.FreshBrowserSession(ctx, who)
		if err != nil {
			return err
		}
		bs.Context.Close()
		return nil
	}
	acc, password, err := t.credentials(who)
	if err != nil {
		return err
	}
	if form, err := t.htmlForm(ctx, account.Login); err == nil {
		if _, err := t.formLogin(ctx, who, acc, password, form); err == nil {
			return nil
		}
	}
	bs, err := t.FreshBrowserSession(ctx, who)
	if err != nil {
		return err
	}
	bs.Context.Close()
	return nil
}
