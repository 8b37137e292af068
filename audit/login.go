package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"github.com/launchready/launchready/audit/probe"
)

// Session is an account logged in to the app.
type Session struct {
	Account   string // "a" or "b"
	Email     string
	Jar       http.CookieJar
	LoginPage string         // where the form was found
	Header    http.Header    // headers every request of the session carries (Authorization for token apps)
	Before    []*http.Cookie // cookies the app had set before the form was submitted
	// SetCookies are the raw Set-Cookie lines the login answer (and its redirects) sent, with the URL that set them.
	SetCookies []SetCookie
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

// Login logs the plan's account ("a" or "b") in, once per audit; later calls share the result.
func (t *Target) Login(ctx context.Context, who string) (*Session, error) {
	t.mu.Lock()
	so, ok := t.sessions[who]
	if !ok {
		so = &sessionOnce{}
		t.sessions[who] = so
	}
	t.mu.Unlock()
	so.once.Do(func() { so.s, so.err = t.login(ctx, who) })
	return so.s, so.err
}

// login tries the app's server-rendered form over HTTP first (fast, no browser), then the browser, which handles
// JavaScript-rendered forms and token sessions.
func (t *Target) login(ctx context.Context, who string) (*Session, error) {
	s, err := t.formLogin(ctx, who)
	if err == nil || errors.Is(err, ErrNoAccount) || errors.Is(err, errEmptyPassword) || errors.Is(err, errWrongPassword) {
		return s, err
	}
	bs, berr := t.BrowserSession(ctx, who)
	if berr != nil {
		return nil, fmt.Errorf("%w; with the browser: %v", err, berr)
	}
	return fromBrowser(who, t.account(who).Email, bs), nil
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

// formLogin finds the login form in the server-rendered HTML (paths.login, the app page, or a "log in" link on
// it), fills it and submits it. JavaScript-rendered forms need the browser engine.
func (t *Target) formLogin(ctx context.Context, who string) (*Session, error) {
	acc := t.account(who)
	if acc == nil {
		return nil, fmt.Errorf("account %s: %w (add accounts.%s to the plan)", who, ErrNoAccount, who)
	}
	password := t.getenv(acc.PasswordEnv)
	if password == "" {
		return nil, fmt.Errorf("account %s: the environment variable %s is empty: export the test account's password in it: %w", who, acc.PasswordEnv, errEmptyPassword)
	}
	jar, _ := cookiejar.New(nil)
	start := t.App
	if t.Plan.Paths.Login != "" {
		start = t.Resolve(t.Plan.Paths.Login)
	}
	form, page, err := t.findLoginForm(ctx, jar, start)
	if err != nil {
		return nil, err
	}
	pageURL, _ := url.Parse(page)
	s := &Session{Account: who, Email: acc.Email, Jar: jar, LoginPage: page, Before: jar.Cookies(pageURL)}

	form.Values.Set(form.User, acc.Email)
	form.Values.Set(form.Password, password)
	req := &probe.Request{Method: form.Method, URL: form.Action, Jar: jar, Follow: 5,
		Header: http.Header{"Referer": {page}}}
	if form.Method == http.MethodPost {
		req.Body = []byte(form.Values.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		u, _ := url.Parse(form.Action)
		u.RawQuery = form.Values.Encode()
		req.URL = u.String()
	}
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
	final, _ := url.Parse(resp.URL)
	if _, again := findPasswordForm(resp.Body, final); again || resp.Status >= 400 {
		return nil, fmt.Errorf("account %s: login as %s did not succeed (answer %d at %s, the login form came back): check the password in %s, or the form needs JavaScript/a captcha: %w",
			who, acc.Email, resp.Status, t.Probe.Redactor().String(resp.URL), acc.PasswordEnv, errWrongPassword)
	}
	if len(s.SetCookies) == 0 && len(jar.Cookies(final)) == 0 {
		return nil, fmt.Errorf("account %s: the login form was accepted but no session cookie was set (a token-based login needs the browser engine)", who)
	}
	return s, nil
}

func (t *Target) findLoginForm(ctx context.Context, jar http.CookieJar, start *url.URL) (*htmlForm, string, error) {
	resp, err := t.Probe.Do(ctx, &probe.Request{URL: start.String(), Jar: jar, Follow: 5})
	if err != nil {
		return nil, "", fmt.Errorf("loading the login page: %w", err)
	}
	final, _ := url.Parse(resp.URL)
	if f, ok := findPasswordForm(resp.Body, final); ok {
		return f, resp.URL, nil
	}
	if f, page, ok := t.firstForm(ctx, jar, loginLinks(resp.Body, final), findPasswordForm); ok {
		return f, page, nil
	}
	return nil, "", fmt.Errorf("no login form with a password field in the HTML of %s: set paths.login in the plan (a login rendered by JavaScript needs the browser engine)",
		t.Probe.Redactor().String(start.String()))
}

// maxFormPages bounds how many linked pages are opened to look for a form.
const maxFormPages = 3

// firstForm opens the first few in-scope candidate pages and returns the first form find accepts, with its page.
func (t *Target) firstForm(ctx context.Context, jar http.CookieJar, candidates []string, find func([]byte, *url.URL) (*htmlForm, bool)) (*htmlForm, string, bool) {
	for i, c := range candidates {
		u, err := url.Parse(c)
		if i >= maxFormPages || err != nil || !t.Probe.InScope(u) {
			continue
		}
		resp, err := t.Probe.Do(ctx, &probe.Request{URL: c, Jar: jar, Follow: 5})
		if err != nil {
			continue
		}
		base, _ := url.Parse(resp.URL)
		if f, ok := find(resp.Body, base); ok {
			return f, resp.URL, true
		}
	}
	return nil, "", false
}

// LoginOutcome turns a failed Login into the result a check reports: skipped when the plan has no such account,
// inconclusive otherwise.
func LoginOutcome(err error) Result {
	if errors.Is(err, ErrNoAccount) {
		return NotRun(err.Error())
	}
	return Undecided("could not log in: " + strings.TrimPrefix(err.Error(), "account "))
}

// FreshLogin logs the account in again, sharing nothing with earlier logins: to see whether it still can.
func (t *Target) FreshLogin(ctx context.Context, who string) error {
	_, err := t.formLogin(ctx, who)
	if err == nil || errors.Is(err, ErrNoAccount) || errors.Is(err, errEmptyPassword) || errors.Is(err, errWrongPassword) {
		return err
	}
	bs, berr := t.FreshBrowserSession(ctx, who)
	if berr != nil {
		return berr
	}
	bs.Context.Close()
	return nil
}
