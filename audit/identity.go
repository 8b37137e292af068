package audit

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/ledger"
	"github.com/launchready/launchready/audit/probe"
)

// Identity is what carries an account's session: the cookies the login set or changed whose removal logs the
// account out (or the Authorization header), decided once per audit and shared by every session check, so that
// cookie flags, strength, expiry, rotation and logout all judge the same thing.
type Identity struct {
	Cookies []*http.Cookie // the session cookies, with the attributes the login set them with
	Header  bool           // the session also (or only) travels in the Authorization header
	Basis   string         // how it was decided, for evidence
	Others  []string       // cookies the login set that are not the session, and why
}

// Names lists the session cookies: "forge_session", or "a, b".
func (id *Identity) Names() string {
	var out []string
	for _, ck := range id.Cookies {
		out = append(out, ck.Name)
	}
	return strings.Join(out, ", ")
}

// Is reports whether name is one of the session cookies.
func (id *Identity) Is(name string) bool {
	for _, ck := range id.Cookies {
		if ck.Name == name {
			return true
		}
	}
	return false
}

// Evidence says which cookie was taken as the session and why.
func (id *Identity) Evidence() Evidence {
	text := id.Basis
	if len(id.Others) > 0 {
		text += "\nnot the session: " + strings.Join(id.Others, "; ")
	}
	what := "the session cookie " + id.Names()
	if len(id.Cookies) == 0 {
		what = "the session (Authorization header)"
	}
	return Note(what, text)
}

// sessionCookieName is how session cookies are usually named; only used when the app gives nothing to test with.
var (
	sessionCookieName = regexp.MustCompile(`(?i)sess|sid|auth|token|jwt|login|remember|identity|connect\.sid`)
	csrfName          = regexp.MustCompile(`(?i)csrf|xsrf`)
)

// SessionIdentity decides, once per audit, which of the cookies the account's login set is its session: each is
// left out in turn from a request that only the logged-in account gets a private answer to; the ones without which
// the app answers as it answers a visitor are the session. Preference cookies (language, theme, consent,
// analytics) change nothing, or change the page without logging anyone out.
func (t *Target) SessionIdentity(ctx context.Context, who string) (*Identity, error) {
	type result struct {
		id  *Identity
		err error
	}
	r := t.Once("session-identity-"+who, func() any {
		id, err := t.sessionIdentity(ledger.Tag(ctx, "identify the session of "+strings.ToUpper(who)), who)
		return result{id, err}
	}).(result)
	return r.id, r.err
}

func (t *Target) sessionIdentity(ctx context.Context, who string) (*Identity, error) {
	s, err := t.Login(ctx, who)
	if err != nil {
		return nil, err
	}
	id := &Identity{Header: s.Header.Get("Authorization") != ""}
	landing := s.Landing
	if landing == "" {
		landing = t.App.String()
	}
	private, why := t.PrivateRequest(ctx, s, s.Traffic, landing)
	var target string
	var with *probe.Response
	if private != nil {
		target, with = private.URL, private.With
	}
	// Every cookie the session sends there is a candidate — one the login left unchanged too (that is session
	// fixation, and the cookie is still the session) — with the attributes the login set it with, when it did.
	tu, err := url.Parse(target)
	if err != nil || target == "" {
		tu = t.App
	}
	var candidates []*http.Cookie
	for _, ck := range s.Jar.Cookies(tu) {
		for _, sc := range s.Issued {
			if set, err := http.ParseSetCookie(sc.Line); err == nil && set.Name == ck.Name && set.Value == ck.Value {
				ck = set
			}
		}
		for _, set := range s.Cookies {
			if set.Name == ck.Name {
				ck = set
			}
		}
		candidates = append(candidates, ck)
	}
	if target == "" {
		for _, ck := range candidates {
			if sessionCookieName.MatchString(ck.Name) && !csrfName.MatchString(ck.Name) {
				id.Cookies = append(id.Cookies, ck)
			} else {
				id.Others = append(id.Others, ck.Name+" (not named like a session cookie)")
			}
		}
		id.Basis = "chosen by name, not tested: " + why
		return id, nil
	}
	route := Route(target)
	anon, err := t.Probe.Do(ctx, &probe.Request{URL: target})
	if err != nil {
		return nil, err
	}
	// Logged out means answered as a visitor is: a cookie whose absence only changes the page (a language, a
	// theme) is not the session.
	asVisitor := func(resp *probe.Response) bool {
		if resp.Status == with.Status && SameDocument(with.Body, resp.Body) {
			return false
		}
		return resp.Status == anon.Status && (anon.Status != with.Status || SameDocument(anon.Body, resp.Body))
	}
	loggedOut := func(drop func(*http.Cookie) bool, header bool) (bool, int) {
		jar, _ := cookiejar.New(nil)
		var keep []*http.Cookie
		for _, ck := range s.Jar.Cookies(tu) {
			if !drop(ck) {
				keep = append(keep, &http.Cookie{Name: ck.Name, Value: ck.Value, Path: "/"})
			}
		}
		jar.SetCookies(tu, keep)
		req := &probe.Request{URL: target, Jar: jar, Header: s.Header.Clone()}
		if !header {
			req.Header.Del("Authorization")
		}
		resp, err := t.Probe.Do(ctx, req)
		if err != nil {
			return false, 0
		}
		return asVisitor(resp), resp.Status
	}
	// A session may travel in cookies, in the Authorization header, or in both (either one enough): cookies are
	// tested without the header when they carry the session alone.
	var lines []string
	withHeader := id.Header
	if id.Header {
		if out, _ := loggedOut(func(*http.Cookie) bool { return false }, false); !out {
			withHeader = false // the cookies alone keep the account in
		}
	}
	for _, ck := range candidates {
		out, status := loggedOut(func(c *http.Cookie) bool { return c.Name == ck.Name }, withHeader)
		switch {
		case out:
			id.Cookies = append(id.Cookies, ck)
			lines = append(lines, fmt.Sprintf("without %s, GET %s answers %d as to a visitor, instead of the private %d", ck.Name, route, status, with.Status))
		case status != 0:
			id.Others = append(id.Others, fmt.Sprintf("%s (GET %s answers the same without it)", ck.Name, route))
		}
	}
	if len(id.Cookies) == 0 && len(candidates) > 0 {
		// No cookie alone: the session may need them together.
		if out, status := loggedOut(func(*http.Cookie) bool { return true }, withHeader); out {
			id.Cookies, id.Others = candidates, nil
			lines = append(lines, fmt.Sprintf("no cookie alone, but without all of them GET %s answers %d as to a visitor, instead of %d", route, status, with.Status))
		}
	}
	if id.Header {
		out, _ := loggedOut(func(*http.Cookie) bool { return true }, true)
		switch {
		case !out:
			lines = append(lines, fmt.Sprintf("the Authorization header alone, without cookies, gets the private answer of GET %s", route))
		case len(id.Cookies) > 0:
			id.Header = false // the app sends it, but the cookies carry the session
		}
	}
	if len(lines) == 0 {
		lines = append(lines, fmt.Sprintf("GET %s answered the same without each cookie the login set: none of them alone carries the session", route))
	}
	id.Basis = strings.Join(lines, "\n")
	return id, nil
}

// FreshCookieValues logs the account in n more times, each sharing nothing with the others, the way the account
// logs in (the HTML form, else the browser), and returns the value each login left in the named cookie: samples
// for judging how random the session identifier is.
func (t *Target) FreshCookieValues(ctx context.Context, who, name string, n int) ([]string, error) {
	red := t.Probe.Redactor()
	var out []string
	keep := func(v string) {
		red.Add(v)
		out = append(out, v)
	}
	byBrowser := func() error {
		bs, err := t.FreshBrowserSession(ctx, who)
		if err != nil {
			return err
		}
		defer bs.Context.Close()
		for _, ck := range bs.Cookies {
			if ck.Name == name {
				keep(ck.Value)
			}
		}
		return nil
	}
	if acc := t.account(who); acc != nil && acc.browserOnly() {
		if !acc.Renewable() {
			return nil, fmt.Errorf("account %s signs in with %s, so there are no fresh logins: %w", who, methodText(acc.Method()), ErrNoPassword)
		}
		for range n {
			if err := byBrowser(); err != nil {
				return out, err
			}
		}
		return out, nil
	}
	acc, password, err := t.credentials(who)
	if err != nil {
		return nil, err
	}
	form, formErr := t.htmlForm(ctx, account.Login)
	for range n {
		if formErr == nil {
			if s, err := t.formLogin(ctx, who, acc, password, form); err == nil {
				for _, ck := range s.Jar.Cookies(t.App) {
					if ck.Name == name {
						keep(ck.Value)
					}
				}
				continue
			}
		}
		if err := byBrowser(); err != nil {
			return out, err
		}
	}
	return out, nil
}
