package session

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/launchready/launchready/audit"
)

// Rotation compares the session cookie a visitor had before logging in with the one after: the same value before
// and after means an attacker who planted it (session fixation) is logged in too. The session cookie is the
// account's session identity, the one every session check judges.
func Rotation(ctx context.Context, t *audit.Target) audit.Result {
	who := t.SeenLogin() // a session brought in a file or signed in to by hand shows no login to compare across
	if who == "" {
		return audit.Undecided("both accounts bring their session (storage_state, or signed in by hand): no login was seen, so whether the login replaces a session identifier planted before it cannot be judged; give one account a password or login: magic-link to judge it")
	}
	s, err := t.Login(ctx, who)
	if err != nil {
		return audit.LoginOutcome(err)
	}
	id, err := t.SessionIdentity(ctx, who)
	if err != nil {
		return audit.LoginOutcome(err)
	}
	// The values the account holds now: as the jar sends them to the app, the login page and the landing page (a
	// cookie scoped to Path=/account is not sent to /), and as the login set them.
	after := map[string]string{}
	for _, page := range []string{t.App.String(), s.LoginPage, s.Landing} {
		if u, err := url.Parse(page); err == nil && page != "" {
			for _, ck := range s.Jar.Cookies(u) {
				after[ck.Name] = ck.Value
			}
		}
	}
	for _, ck := range s.Cookies {
		after[ck.Name] = ck.Value
	}
	before := map[string]string{}
	for _, ck := range s.Before {
		before[ck.Name] = ck.Value
	}
	var kept, rotated, issued, unseen []string
	for _, ck := range id.Cookies {
		now, held := after[ck.Name]
		switch old, existed := before[ck.Name]; {
		case !existed:
			issued = append(issued, ck.Name)
		case !held: // its value after the login was not seen: no telling whether it changed
			unseen = append(unseen, ck.Name)
		case now == old:
			kept = append(kept, ck.Name)
		default:
			rotated = append(rotated, ck.Name)
		}
	}
	evs := []audit.Evidence{audit.Note("cookies before login on "+s.LoginPage, names(s.Before)), audit.Note("cookies set at login", names(s.Cookies)), id.Evidence()}
	switch {
	case len(kept) > 0:
		return audit.Failed(0, fmt.Sprintf("the session cookie %s keeps its pre-login value after login: session fixation", strings.Join(kept, ", ")), evs...)
	case len(unseen) > 0:
		return audit.Undecided(fmt.Sprintf("the session cookie %s was set before login, but its value after the login was not seen, so whether the login replaced it is not known", strings.Join(unseen, ", ")), evs...)
	case len(rotated) > 0 && len(issued) > 0:
		return audit.Passed(fmt.Sprintf("the pre-login session cookie %s was replaced at login, and %s issued", strings.Join(rotated, ", "), strings.Join(issued, ", ")), evs...)
	case len(rotated) > 0:
		return audit.Passed(fmt.Sprintf("the pre-login session cookie %s was replaced at login", strings.Join(rotated, ", ")), evs...)
	case len(issued) > 0:
		return audit.Passed(fmt.Sprintf("the session cookie %s did not exist before login; the login issued it", strings.Join(issued, ", ")), evs...)
	}
	return audit.Undecided("no cookie carries the session, so there is no session identifier to compare (token sessions are judged by session.token-strength)", evs...)
}

func names(cks []*http.Cookie) string {
	var out []string
	for _, ck := range cks {
		out = append(out, ck.Name)
	}
	return orNone(out)
}
