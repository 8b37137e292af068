package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/launchready/launchready/audit/probe"
)

// ErrNoForm means the app's server-rendered HTML has no form of the kind asked for.
var ErrNoForm = errors.New("no such form in the app's HTML")

// LoginSubmission loads the login form afresh (its CSRF token included) and returns the request that submits it
// with the given email and password. Bursts use it with a wrong password, one fresh form per attempt.
func (t *Target) LoginSubmission(ctx context.Context, jar http.CookieJar, email, password string) (*probe.Request, error) {
	start := t.App
	if t.Plan.Paths.Login != "" {
		start = t.Resolve(t.Plan.Paths.Login)
	}
	form, page, err := t.findLoginForm(ctx, jar, start)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoForm, err)
	}
	form.Values.Set(form.User, email)
	form.Values.Set(form.Password, password)
	return submission(form, page, jar), nil
}

var resetWords = regexp.MustCompile(`(?i)forgot|reset|recover`)

// ResetSubmission finds the password-reset request form (paths.reset, or the "forgot password" link of the login
// page) and returns the request that asks a reset for email.
func (t *Target) ResetSubmission(ctx context.Context, jar http.CookieJar, email string) (*probe.Request, error) {
	var candidates []string
	if t.Plan.Paths.Reset != "" {
		candidates = append(candidates, t.Resolve(t.Plan.Paths.Reset).String())
	}
	login := t.App
	if t.Plan.Paths.Login != "" {
		login = t.Resolve(t.Plan.Paths.Login)
	}
	if resp, err := t.Probe.Do(ctx, &probe.Request{URL: login.String(), Jar: jar, Follow: 5}); err == nil {
		base, _ := url.Parse(resp.URL)
		candidates = append(candidates, linksMatching(resp.Body, base, resetWords)...)
	}
	if form, page, ok := t.firstForm(ctx, jar, candidates, findEmailForm); ok {
		form.Values.Set(form.User, email)
		return submission(form, page, jar), nil
	}
	return nil, fmt.Errorf("%w: no password-reset form found (set paths.reset in the plan)", ErrNoForm)
}

var signupWords = regexp.MustCompile(`(?i)sign ?up|register|create (an |your )?account|get started|join`)

// SignupSubmission finds the sign-up form in the server-rendered HTML (paths.signup, or a "sign up" link of the
// login page or the app's first page) and returns the request that signs email up with password; every password
// field gets it (a confirmation too) and the other text fields a name.
func (t *Target) SignupSubmission(ctx context.Context, jar http.CookieJar, email, password string) (*probe.Request, error) {
	var candidates []string
	if t.Plan.Paths.Signup != "" {
		candidates = append(candidates, t.Resolve(t.Plan.Paths.Signup).String())
	}
	for _, start := range []*url.URL{t.loginStart(), t.App} {
		if resp, err := t.Probe.Do(ctx, &probe.Request{URL: start.String(), Jar: jar, Follow: 5}); err == nil {
			base, _ := url.Parse(resp.URL)
			candidates = append(candidates, linksMatching(resp.Body, base, signupWords)...)
		}
	}
	if form, page, ok := t.firstForm(ctx, jar, candidates, findPasswordForm); ok {
		form.Values.Set(form.User, email)
		for _, name := range form.Passwords {
			form.Values.Set(name, password)
		}
		for _, name := range form.Text {
			form.Values.Set(name, "Launch Ready")
		}
		return submission(form, page, jar), nil
	}
	return nil, fmt.Errorf("%w: no sign-up form in the server's HTML (set paths.signup in the plan; a form drawn by JavaScript is not sent in a burst)", ErrNoForm)
}

var inviteWords = regexp.MustCompile(`(?i)invite|members|team|people|collaborators`)

// InviteSubmission finds the invite form account s sees (paths.invite, or an "invite"/"members"/"team" link of
// the app's pages as s) and returns the request that invites email, carrying s's credentials.
func (t *Target) InviteSubmission(ctx context.Context, s *Session, email string) (*probe.Request, error) {
	var candidates []string
	if t.Plan.Paths.Invite != "" {
		candidates = append(candidates, t.Resolve(t.Plan.Paths.Invite).String())
	}
	if resp, err := t.Probe.Do(ctx, s.Apply(&probe.Request{URL: t.App.String(), Follow: 5})); err == nil {
		base, _ := url.Parse(resp.URL)
		candidates = append(candidates, linksMatching(resp.Body, base, inviteWords)...)
	}
	for i, c := range candidates {
		u, err := url.Parse(c)
		if i >= maxFormPages || err != nil || !t.Probe.InScope(u) {
			continue
		}
		resp, err := t.Probe.Do(ctx, s.Apply(&probe.Request{URL: c, Follow: 5}))
		if err != nil {
			continue
		}
		base, _ := url.Parse(resp.URL)
		if form, ok := findEmailForm(resp.Body, base); ok {
			form.Values.Set(form.User, email)
			req := submission(form, resp.URL, s.Jar)
			return s.Apply(req), nil
		}
	}
	return nil, fmt.Errorf("%w: no invite form in the server's HTML of A's pages (set paths.invite in the plan; a form drawn by JavaScript is not sent in a burst)", ErrNoForm)
}

func (t *Target) loginStart() *url.URL {
	if t.Plan.Paths.Login != "" {
		return t.Resolve(t.Plan.Paths.Login)
	}
	return t.App
}

func submission(form *htmlForm, page string, jar http.CookieJar) *probe.Request {
	req := &probe.Request{Method: form.Method, URL: form.Action, Jar: jar, Header: http.Header{"Referer": {page}}}
	if form.Method == http.MethodPost {
		req.Body = []byte(form.Values.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		u, _ := url.Parse(form.Action)
		u.RawQuery = form.Values.Encode()
		req.URL = u.String()
	}
	return req
}

// Password returns the account's password from its environment variable ("" when unset).
func (t *Target) Password(who string) string {
	if acc := t.account(who); acc != nil {
		return t.getenv(acc.PasswordEnv)
	}
	return ""
}
