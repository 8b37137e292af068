package session

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// TokenStorage reads localStorage, sessionStorage and IndexedDB after account A's login: a session token there can
// be read by any script on the page, so one XSS is an account takeover. (Firebase Auth keeps its tokens in
// IndexedDB: Web Storage alone would pass every Firebase app.)
func TokenStorage(ctx context.Context, t *audit.Target) audit.Result {
	bs, err := t.BrowserSession(ctx, "a")
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	// What the app itself sends as its Authorization credential is the session, however short it is.
	sent := probe.Credential(audit.AuthHeader(bs))
	var found []string
	for _, v := range audit.StoredValues(bs) {
		switch {
		case len(sent) >= 6 && strings.Contains(v.Value, sent):
			found = append(found, v.Where+" holds the token the app sends in its Authorization header")
		case jwtInText.MatchString(v.Value):
			found = append(found, v.Where+" holds a JWT")
		case tokenName(v) && opaqueSecret.MatchString(v.Value):
			found = append(found, fmt.Sprintf("%s holds a %d-character token", v.Where, len(v.Value)))
		}
	}
	var keys []string
	for name, m := range map[string]map[string]string{"localStorage": bs.Local, "sessionStorage": bs.Storage, "IndexedDB": bs.IndexedDB} {
		for k := range m {
			keys = append(keys, name+" "+k)
		}
	}
	sort.Strings(found)
	sort.Strings(keys)
	n := len(keys)
	if n > maxKeysShown {
		keys = append(keys[:maxKeysShown], fmt.Sprintf("and %d more", n-maxKeysShown))
	}
	ev := audit.Note("Web Storage and IndexedDB after login on "+bs.LandingURL, "keys: "+orNone(keys))
	if len(found) == 0 {
		if bs.StorageUnread != "" {
			return audit.Undecided("the page's storage could not all be read, so a token kept there would not be seen: "+bs.StorageUnread, ev)
		}
		return audit.Passed(fmt.Sprintf("no session token in Web Storage or IndexedDB after login (%d keys looked at)", n), ev)
	}
	csp := landingCSP(bs.LandingURL, bs.Traffic)
	ev2 := audit.Note("Content-Security-Policy of the page", orNone([]string{csp}))
	if csp == "" {
		return audit.Failed(audit.High, strings.Join(found, "; ")+", and the page has no Content-Security-Policy: any injected script can steal the session", ev, ev2)
	}
	return audit.Warned(audit.Medium, strings.Join(found, "; ")+": readable by any script that runs on the page (the CSP limits, but does not remove, that risk)", ev, ev2)
}

// maxKeysShown bounds the keys an evidence note lists.
const maxKeysShown = 40

// tokenName reports whether a stored value's name says it is a token: any storage key with auth, session, token
// ... in it; inside an IndexedDB record only a field named like a token (accessToken, not author or authDomain).
func tokenName(v audit.Stored) bool {
	if v.InRecord {
		return audit.TokenField(v.Key)
	}
	return tokenKey.MatchString(v.Key)
}

func orNone(s []string) string {
	if len(s) == 0 || (len(s) == 1 && s[0] == "") {
		return "(none)"
	}
	return strings.Join(s, ", ")
}
