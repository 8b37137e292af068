package session

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
)

// maxLifetime is the longest a session may live before the checklist wants a second look.
const maxLifetime = 30 * 24 * time.Hour

// Expiry reads the lifetime of the session cookies set at login (Max-Age/Expires) and of any JWT (exp).
func Expiry(ctx context.Context, t *audit.Target) audit.Result {
	tokens, id, note, err := loginTokens(ctx, t)
	if err != nil {
		return audit.LoginOutcome(err)
	}
	tokens = append(tokens, storedRefreshTokens(ctx, t, tokens)...)
	now := time.Now()
	var parts []audit.Result
	var undeclared, renewers []string // opaque tokens whose lifetime the app does not state; those of them that are refresh tokens
	for _, tk := range tokens {
		switch {
		case tk.Cookie != nil:
			parts = append(parts, cookieLifetime(tk, now))
		default:
			if v, ok := parseJWT(tk.Value); ok {
				parts = append(parts, jwtLifetime(tk, v, now))
				continue
			}
			bs, err := t.BrowserSession(ctx, "a")
			if err != nil {
				continue // loginTokens found the token in that session: it is there
			}
			refresh := strings.Contains(strings.ToLower(tk.Name), "refresh")
			switch d, ok := declaredLifetime(tk.Value, refresh, bs, now); {
			case ok:
				parts = append(parts, declaredLife(tk, d))
			case refresh:
				renewers = append(renewers, tk.Where)
			default:
				undeclared = append(undeclared, tk.Where)
			}
		}
	}
	if len(parts) == 0 && len(undeclared) > 0 {
		return audit.Undecided(strings.TrimSuffix(fmt.Sprintf("the session is an opaque token (%s) and the app states no lifetime for it "+
			"(no expires_in or expiry beside it): its end is kept on the server, where the audit cannot read it; %s",
			strings.Join(undeclared, ", "), note), "; "), id.Evidence())
	}
	if len(parts) == 0 {
		return audit.Undecided(strings.TrimSuffix("no session cookie or JWT was found after login; "+note, "; "), id.Evidence())
	}
	if len(renewers) > 0 {
		// The session lasts as long as its refresh token does, not its access token.
		note = strings.TrimPrefix(note+"; ", "; ") + fmt.Sprintf("the refresh token in %s renews the session and the app states no lifetime for it: "+
			"the session lasts as long as the refresh token, which is set on the auth server (look for a refresh-token or session lifetime setting there)",
			strings.Join(renewers, ", "))
	}
	res := partial(audit.Combine(parts...), note)
	res.Evidence = append(res.Evidence, id.Evidence())
	return res
}

func cookieLifetime(tk token, now time.Time) audit.Result {
	ck := tk.Cookie
	var life time.Duration
	switch {
	case ck.MaxAge > 0:
		life = time.Duration(ck.MaxAge) * time.Second
	case !ck.Expires.IsZero():
		life = ck.Expires.Sub(now)
	default:
		return audit.Passed(fmt.Sprintf("%s is a browser-session cookie (gone when the browser closes)", tk.Where),
			audit.Note(tk.Where, "no Max-Age or Expires"))
	}
	ev := audit.Note(tk.Where, "lifetime "+days(life))
	if life > maxLifetime {
		return audit.Warned(0, fmt.Sprintf("%s lives %s: a stolen or forgotten session stays usable that long", tk.Where, days(life)), ev)
	}
	return audit.Passed(fmt.Sprintf("%s lives %s", tk.Where, days(life)), ev)
}

func jwtLifetime(tk token, v *jwtView, now time.Time) audit.Result {
	ev := audit.Note(tk.Where+" (JWT claims)", v.claimsText())
	exp, err := v.Claims.GetExpirationTime()
	if err != nil || exp == nil {
		return audit.Warned(audit.Medium, fmt.Sprintf("the JWT in %s has no exp claim: it never expires", tk.Where), ev)
	}
	life := exp.Sub(now)
	if iat, err := v.Claims.GetIssuedAt(); err == nil && iat != nil {
		life = exp.Sub(iat.Time)
	}
	if life > maxLifetime {
		return audit.Warned(0, fmt.Sprintf("the JWT in %s is valid for %s", tk.Where, days(life)), ev)
	}
	return audit.Passed(fmt.Sprintf("the JWT in %s is valid for %s", tk.Where, days(life)), ev)
}

// storedRefreshTokens are the refresh tokens inside the JSON a Web Storage entry keeps (Supabase's
// "sb-<project>-auth-token": {"access_token": …, "refresh_token": …}), which the session's token list, made of whole
// entries and JWTs, does not hold: the session lasts as long as they do.
func storedRefreshTokens(ctx context.Context, t *audit.Target, have []token) []token {
	bs, err := t.BrowserSession(ctx, "a")
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	for _, tk := range have {
		seen[tk.Value] = true
	}
	var out []token
	for _, v := range audit.StoredValues(bs) {
		var doc any
		if v.InRecord || json.Unmarshal([]byte(v.Value), &doc) != nil {
			continue // an IndexedDB record's fields are tokens of their own already
		}
		for _, f := range audit.JSONStrings(v.Where, doc) {
			if len(f.Value) >= 8 && !seen[f.Value] && strings.Contains(strings.ToLower(f.Key), "refresh") && audit.TokenField(f.Key) {
				seen[f.Value] = true
				out = append(out, token{Where: f.Where, Name: f.Key, Value: f.Value})
			}
		}
	}
	return out
}

// declaredLife judges an opaque token by the lifetime the app declared beside it.
func declaredLife(tk token, d declared) audit.Result {
	ev := audit.Note(tk.Where+" (declared lifetime)", fmt.Sprintf("%s, in %s", d.field, d.where))
	if d.life > maxLifetime {
		return audit.Warned(0, fmt.Sprintf("the token in %s is declared valid for %s (%s): a stolen or forgotten session stays usable that long", tk.Where, days(d.life), d.field), ev)
	}
	return audit.Passed(fmt.Sprintf("the token in %s is declared valid for %s (%s)", tk.Where, days(d.life), d.field), ev)
}

func days(d time.Duration) string {
	if d < 48*time.Hour {
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%.0f days", d.Hours()/24)
}
