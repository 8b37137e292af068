package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// LogoutInvalidates logs account A in afresh, keeps its credentials, uses the app's own logout, and replays an
// authenticated request with the old credentials: the server must refuse them. It runs last: some apps end every
// session of the user on logout.
func LogoutInvalidates(ctx context.Context, t *audit.Target) audit.Result {
	bs, err := t.FreshBrowserSession(ctx, "a")
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	defer bs.Context.Close()
	creds := audit.FromBrowser("a", bs)
	target, before, why := privateRequest(ctx, t, creds, bs.Traffic, bs.LandingURL)
	if target == "" {
		return audit.Undecided(why)
	}
	used, err := bs.Logout(ctx)
	if errors.Is(err, browser.ErrNoLogout) {
		return audit.Undecided("found no log-out button, link or form on " + bs.LandingURL + ": check by hand that logging out ends the session on the server")
	}
	if err != nil {
		return audit.Undecided("logging out failed: " + err.Error())
	}
	after, err := t.Probe.Do(ctx, creds.Apply(&probe.Request{URL: target}))
	if err != nil {
		return audit.Undecided("replaying after logout: " + err.Error())
	}
	evBefore := audit.Exchange("with the session, before logout", before)
	evAfter := audit.Exchange("with the same credentials, after logging out ("+used+")", after)
	evAfter.Excerpt = audit.Excerpt(after.Body, "")
	if after.Status == before.Status && similar(before.Body, after.Body) {
		return audit.Failed(0, "the session still works after logout: whoever copied the cookie or token keeps access", evBefore, evAfter)
	}
	return audit.Passed(fmt.Sprintf("after logout the old credentials get %d instead of the private answer", after.Status), evBefore, evAfter)
}

// privateRequest picks a request that only a logged-in account gets a private answer to: an API GET the app made
// after login (or the landing page), answered 2xx with the credentials and differently without them.
func privateRequest(ctx context.Context, t *audit.Target, creds *audit.Session, traffic []browser.Exchange, landing string) (string, *probe.Response, string) {
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
		if without.Status != with.Status || !similar(with.Body, without.Body) {
			return c, with, ""
		}
	}
	return "", nil, "no request answered differently with and without the session, so there is nothing to replay after logout"
}

// similar reports whether two answers are the same document: equal, or equal in length within 2% when they
// differ only in per-request tokens (CSRF fields, nonces).
func similar(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	la, lb := float64(len(a)), float64(len(b))
	return la > 0 && lb > 0 && la/lb > 0.98 && lb/la > 0.98
}
