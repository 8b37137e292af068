package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// LogoutInvalidates logs an account in afresh (A, or B when only B can sign in again by itself), keeps its
// credentials, uses the app's own logout, and replays an authenticated request with the old credentials: the
// server must refuse them. It runs late: some apps end every session of the user on logout. When both accounts
// bring a saved session, it opens A's, ends it, runs after every other check, and says the saved session is over.
func LogoutInvalidates(ctx context.Context, t *audit.Target) audit.Result {
	who, saved := t.SeenLogin(), false
	if who == "" {
		who, saved = "a", true
	}
	bs, err := t.FreshBrowserSession(ctx, who)
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	defer bs.Context.Close()
	creds := audit.FrozenFromBrowser(who, bs)
	private, why := t.PrivateRequest(ctx, creds, bs.Traffic, bs.LandingURL)
	if private == nil {
		return audit.Undecided(why)
	}
	// The session is ready; the flows that act in the accounts' own sessions end first (an app may end every
	// session of an account when one logs out).
	audit.BeforeEndingSession(ctx)
	used, err := bs.Logout(ctx)
	if errors.Is(err, browser.ErrNoLogout) {
		return audit.Undecided("found no log-out button, link or form on " + bs.LandingURL + ": check by hand that logging out ends the session on the server")
	}
	if errors.Is(err, browser.ErrLogoutUnseen) {
		return audit.Undecided("used " + used + " to log out, but " + err.Error() + ": the logout did not take in the browser (a confirmation, a menu), so what the server does with an ended session is not known; check by hand")
	}
	if err != nil {
		return audit.Undecided("logging out failed: " + err.Error())
	}
	after, err := t.Probe.Do(ctx, creds.Apply(&probe.Request{URL: private.URL}))
	if err != nil {
		return audit.Undecided("replaying after logout: " + err.Error())
	}
	evBefore := audit.Exchange("with the session, before logout", private.With)
	evAfter := audit.Exchange("with the same credentials, after logging out ("+used+")", after)
	evAfter.Excerpt = audit.Excerpt(after.Body, "")
	evs := []audit.Evidence{evBefore, evAfter}
	if who != "a" {
		evs = append(evs, audit.Note("account", "B's session was ended: A signs in only from a saved session, which logging out would end"))
	}
	what := "a request with the old credentials"
	if id, err := t.SessionIdentity(ctx, who); err == nil {
		evs = append(evs, id.Evidence())
		if len(id.Cookies) > 0 {
			what = "the old session cookie " + id.Names()
		}
	}
	verdict, why := private.Ended(after)
	if verdict == "" {
		return audit.Undecided("logged out, but "+why, evs...)
	}
	if verdict == "alive" {
		if saved {
			evs = append(evs, audit.Note("the saved session", "this check logged out A's saved session, after every other check: the app kept it alive"))
		}
		return audit.Failed(0, "the session still works after logout: "+what+" still gets the private answer, so whoever copied it keeps access", evs...)
	}
	if saved {
		evs = append(evs, audit.Note("the saved session", "this check logged out A's saved session, after every other check: the app ended it, so save a new one (storage_state, or sign in by hand) before the next audit"))
	}
	return audit.Passed(fmt.Sprintf("after logout %s gets %d instead of the private answer", what, after.Status), evs...)
}
