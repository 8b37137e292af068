package audit

import (
	"bytes"
	"context"
	"net/url"

	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// PrivateRequest picks a request that only a logged-in account gets a private answer to: an API GET the app made
// after login (or the landing page), answered 2xx with the credentials and differently without them.
func (t *Target) PrivateRequest(ctx context.Context, creds *Session, traffic []browser.Exchange, landing string) (string, *probe.Response, string) {
	var candidates []string
	for _, x := range traffic {
		u, err := url.Parse(x.URL)
		if err == nil && x.IsAPI() && x.Method == "GET" && x.Status >= 200 && x.Status < 300 && t.Probe.InScope(u) {
			candidates = append(candidates, x.URL)
		}
	}
	candidates = append(candidates, landing)
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
			return c, with, ""
		}
	}
	return "", nil, "no request answered differently with and without the session, so there is nothing to replay after logout"
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
