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

// CookieFlags judges the cookies the app set while account A logged in: HttpOnly, Secure on HTTPS, SameSite.
func CookieFlags(ctx context.Context, t *audit.Target) audit.Result {
	s, err := t.Login(ctx, "a")
	if err != nil {
		return audit.LoginOutcome(err)
	}
	var parts []audit.Result
	for _, sc := range s.SetCookies {
		ck, err := http.ParseSetCookie(sc.Line)
		if err != nil || deleting(ck) {
			continue
		}
		u, _ := url.Parse(sc.URL)
		parts = append(parts, judgeCookie(ck, u.Scheme == "https", sc))
	}
	if len(s.SetCookies) == 0 { // logged in by the browser: judge its jar
		for _, ck := range s.Cookies {
			parts = append(parts, judgeCookie(ck, t.App.Scheme == "https", audit.SetCookie{URL: s.LoginPage, Line: ck.String()}))
		}
	}
	if len(parts) == 0 {
		return audit.Undecided("the login set no cookie in its answers (the session may live in a token; session.token-storage looks there)")
	}
	return audit.Combine(parts...)
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
