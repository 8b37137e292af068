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
