package session

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// TokenStorage reads localStorage and sessionStorage after account A's login: a session token there can be read
// by any script on the page, so one XSS is an account takeover.
func TokenStorage(ctx context.Context, t *audit.Target) audit.Result {
	bs, err := t.BrowserSession(ctx, "a")
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	// What the app itself sends as its Authorization credential is the session, however short it is.
	sent := probe.Credential(audit.AuthHeader(bs))
	var found, keys []string
	for name, m := range map[string]map[string]string{"localStorage": bs.Local, "sessionStorage": bs.Storage} {
		for k, v := range m {
			keys = append(keys, name+"."+k)
			switch {
			case len(sent) >= 6 && strings.Contains(v, sent):
				found = append(found, fmt.Sprintf("%s %q holds the token the app sends in its Authorization header", name, k))
			case jwtInText.MatchString(v):
				found = append(found, fmt.Sprintf("%s %q holds a JWT", name, k))
			case tokenKey.MatchString(k) && opaqueSecret.MatchString(v):
				found = append(found, fmt.Sprintf("%s %q holds a %d-character token", name, k, len(v)))
			}
		}
	}
	sort.Strings(found)
	sort.Strings(keys)
	ev := audit.Note("Web Storage after login on "+bs.LandingURL, "keys: "+orNone(keys))
	if len(found) == 0 {
		return audit.Passed(fmt.Sprintf("no session token in Web Storage after login (%d keys looked at)", len(keys)), ev)
	}
	csp := landingCSP(bs.LandingURL, bs.Traffic)
	ev2 := audit.Note("Content-Security-Policy of the page", orNone([]string{csp}))
	if csp == "" {
		return audit.Failed(audit.High, strings.Join(found, "; ")+", and the page has no Content-Security-Policy: any injected script can steal the session", ev, ev2)
	}
	return audit.Warned(audit.Medium, strings.Join(found, "; ")+": readable by any script that runs on the page (the CSP limits, but does not remove, that risk)", ev, ev2)
}

func orNone(s []string) string {
	if len(s) == 0 || (len(s) == 1 && s[0] == "") {
		return "(none)"
	}
	return strings.Join(s, ", ")
}
