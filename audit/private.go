package audit

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// Private is a request only a logged-in account gets a private answer to, with the answers it got with the
// credentials and without any.
type Private struct {
	URL           string
	With, Without *probe.Response
}

// Ended judges the answer the same credentials got later (after a logout, a password reset): "alive" when they
// still get the private answer, "ended" when the app refuses them (401, 403, 404, a redirect) or answers as it does
// with no session at all. Anything else decides nothing, and why says so: a limit or a failing server (429, 423,
// 5xx), or a 2xx that is neither the private answer nor the anonymous one (the data changed meanwhile).
func (p *Private) Ended(after *probe.Response) (verdict, why string) {
	switch s := after.Status; {
	case s == p.With.Status && SameDocument(p.With.Body, after.Body):
		return "alive", ""
	case probe.NoVerdict(s):
		return "", fmt.Sprintf("the old credentials got %d, a limit or a failure rather than an answer about the session", s)
	case s == 401 || s == 403 || s == 404 || (s >= 300 && s < 400):
		return "ended", ""
	case s == p.Without.Status && SameDocument(p.Without.Body, after.Body):
		return "ended", ""
	}
	return "", fmt.Sprintf("the old credentials got %d with an answer unlike both the private one and the one without a session (the data may have changed): whether the session ended is not known", after.Status)
}

// PrivateRequest picks a request that only a logged-in account gets a private answer to: an API GET the app made
// after login (or the landing page), answered 2xx with the credentials and differently without them. The calls
// that carried the session's own headers (a bearer token) are tried first, one per path: an app that loads its
// translations first (Node-RED: eight /locales calls, public, without its token) otherwise used up the tries.
func (t *Target) PrivateRequest(ctx context.Context, creds *Session, traffic []browser.Exchange, landing string) (*Private, string) {
	var carried, others []string
	paths := map[string]bool{}
	for _, x := range traffic {
		u, err := url.Parse(x.URL)
		if err != nil || !x.IsAPI() || x.Method != "GET" || x.Status < 200 || x.Status >= 300 || !t.Probe.InScope(u) || paths[u.Path] {
			continue
		}
		paths[u.Path] = true
		if carries(x, creds.Header) {
			carried = append(carried, x.URL)
		} else {
			others = append(others, x.URL)
		}
	}
	candidates := append(append(carried, others...), landing)
	for i, c := range candidates {
		if i >= 4 {
			break
		}
		with, err := t.Probe.Do(ctx, creds.Apply(&probe.Request{URL: c}))
		if err != nil || with.Status < 200 || with.Status >= 300 {
			continue
		}
		without, err := t.Probe.Do(ctx, &probe.Request{URL: c})
		if err != nil {
			continue
		}
		if without.Status != with.Status || !SameDocument(with.Body, without.Body) {
			return &Private{URL: c, With: with, Without: without}, ""
		}
	}
	return nil, "no request answered differently with and without the session, so there is nothing to replay after logout"
}

// carries reports whether the recorded request sent one of the session's own headers with its value.
func carries(x browser.Exchange, h http.Header) bool {
	for k, vs := range h {
		if v := x.RequestHeader[strings.ToLower(k)]; v != "" && len(vs) > 0 && v == vs[0] {
			return true
		}
	}
	return false
}

// SameDocument reports whether two answers are the same document: equal, or equal in length within 2% when they
// differ only in per-request tokens (CSRF fields, nonces).
func SameDocument(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	la, lb := float64(len(a)), float64(len(b))
	return la > 0 && lb > 0 && la/lb > 0.98 && lb/la > 0.98
}
