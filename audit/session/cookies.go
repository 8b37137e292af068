package session

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// CookieFlags judges the session cookies of account A — the session identity every session check shares —
// as the app set them: HttpOnly, Secure on HTTPS, SameSite. Preference cookies (a language, a theme) are not judged.
func CookieFlags(ctx context.Context, t *audit.Target) audit.Result {
	s, err := t.Login(ctx, "a")
	if err != nil {
		return audit.LoginOutcome(err)
	}
	id, err := t.SessionIdentity(ctx, "a")
	if err != nil {
		return audit.LoginOutcome(err)
	}
	var parts []audit.Result
	judged := map[string]bool{}
	// As the login set it; else as the login page set it, when the login kept it (session.rotation judges that).
	for i, sc := range append(append([]audit.SetCookie{}, s.SetCookies...), s.Issued...) {
		ck, err := http.ParseSetCookie(sc.Line)
		if err != nil || deleting(ck) || !id.Is(ck.Name) || judged[ck.Name] {
			continue
		}
		judged[ck.Name] = true
		u, _ := url.Parse(sc.URL)
		res := judgeCookie(ck, u.Scheme == "https", sc)
		if i >= len(s.SetCookies) {
			res.Evidence[0].Label = "cookie set before login, kept by it"
		}
		parts = append(parts, res)
	}
	var unseen []string
	for _, ck := range id.Cookies {
		switch {
		case judged[ck.Name]:
		case len(s.SetCookies) == 0 && ck.Domain != "": // logged in by the browser: its jar has the attributes
			parts = append(parts, judgeCookie(ck, t.App.Scheme == "https", audit.SetCookie{URL: s.LoginPage, Line: ck.String()}))
		default:
			unseen = append(unseen, ck.Name)
		}
	}
	if len(parts) == 0 {
		if len(unseen) > 0 {
			return audit.Undecided(fmt.Sprintf("the session cookie %s was set before login and not set again by it, so its flags were not seen (session.rotation judges the unchanged value)", strings.Join(unseen, ", ")), id.Evidence())
		}
		return audit.Undecided("no cookie carries the session (it travels in the Authorization header; session.token-storage judges where it is kept)", id.Evidence())
	}
	res := audit.Combine(parts...)
	res.Evidence = append(res.Evidence, id.Evidence())
	return res
}

// deleting reports a Set-Cookie that clears a cookie (a logout-style reset during the login redirects).
var csrfCookie = regexp.MustCompile(`(?i)csrf|xsrf`)

func deleting(ck *http.Cookie) bool { return ck.MaxAge < 0 || ck.Value == "" }

func judgeCookie(ck *http.Cookie, https bool, sc audit.SetCookie) audit.Result {
	ev := audit.Evidence{Label: "cookie set at login", Request: "answer of " + sc.URL,
		Headers: []string{"Set-Cookie: " + probe.NewRedactor().Header("Set-Cookie", sc.Line)}}
	var missing []string
	sev := audit.Medium
	// A double-submit CSRF cookie is meant to be read by the page's script; it needs no HttpOnly.
	if !ck.HttpOnly && !csrfCookie.MatchString(ck.Name) {
		missing = append(missing, "HttpOnly (any script on the page can read it)")
		sev = audit.High
	}
	if https && !ck.Secure {
		missing = append(missing, "Secure (it can be sent over plain http://)")
	}
	switch ck.SameSite {
	case http.SameSiteNoneMode:
		if !ck.Secure {
			missing = append(missing, "Secure, which SameSite=None requires")
		}
	case 0, http.SameSiteDefaultMode: // absent, or a value browsers do not understand
		if len(missing) == 0 {
			return audit.Warned(audit.Low, fmt.Sprintf("cookie %s has no SameSite attribute: set SameSite=Lax explicitly (not every browser defaults to Lax)", ck.Name), ev)
		}
		missing = append(missing, "SameSite=Lax or Strict (cross-site requests carry it: CSRF)")
	}
	if len(missing) > 0 {
		return audit.Failed(sev, fmt.Sprintf("cookie %s set at login lacks %s", ck.Name, strings.Join(missing, ", ")), ev)
	}
	httpOnly := "HttpOnly"
	if !ck.HttpOnly {
		httpOnly = "readable by script as a CSRF token"
	}
	return audit.Passed(fmt.Sprintf("cookie %s is %s, %s, SameSite=%s", ck.Name, httpOnly, secureWord(ck), sameSite(ck)), ev)
}

func secureWord(ck *http.Cookie) string {
	if ck.Secure {
		return "Secure"
	}
	return "not Secure (plain-HTTP app)"
}

func sameSite(ck *http.Cookie) string {
	switch ck.SameSite {
	case http.SameSiteLaxMode:
		return "Lax"
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	}
	return "unset"
}
