package session

import (
	"context"
	"errors"
	"fmt"

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
	target, before, why := t.PrivateRequest(ctx, creds, bs.Traffic, bs.LandingURL)
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
	evs := []audit.Evidence{evBefore, evAfter}
	what := "the old credentials"
	if id, err := t.SessionIdentity(ctx, "a"); err == nil {
		evs = append(evs, id.Evidence())
		if len(id.Cookies) > 0 {
			what = "the old session cookie " + id.Names()
		}
	}
	if after.Status == before.Status && audit.SameDocument(before.Body, after.Body) {
		return audit.Failed(0, "the session still works after logout: "+what+" still gets the private answer, so whoever copied it keeps access", evs...)
	}
	return audit.Passed(fmt.Sprintf("after logout %s gets %d instead of the private answer", what, after.Status), evs...)
}
