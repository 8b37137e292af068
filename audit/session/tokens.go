package session

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/golang-jwt/jwt/v5"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// token is one credential the app handed account A at login, and where it was found.
type token struct {
	Where  string // "cookie sid", `localStorage "auth_token"`, "Authorization header"
	Name   string // the storage key or the field it is kept under, when in storage
	Value  string
	Cookie *http.Cookie // set for cookies
}

var (
	jwtInText    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`)
	tokenKey     = regexp.MustCompile(`(?i)token|jwt|auth|session|sess|bearer|access|refresh|credential|sid\b`)
	opaqueSecret = regexp.MustCompile(`^[A-Za-z0-9+/=_.\-%]{16,}$`)
)

// loginTokens gathers what the login gave account A: its session cookies (the session identity every session
// check shares), and — when the browser is available — the tokens in Web Storage and the Authorization header the
// app sends (Web Storage and IndexedDB). note says what could not be looked at.
func loginTokens(ctx context.Context, t *audit.Target) (tokens []token, id *audit.Identity, note string, err error) {
	if _, err := t.Login(ctx, "a"); err != nil {
		return nil, nil, "", err
	}
	id, err = t.SessionIdentity(ctx, "a")
	if err != nil {
		return nil, nil, "", err
	}
	for _, ck := range id.Cookies {
		tokens = append(tokens, token{Where: "cookie " + ck.Name, Value: ck.Value, Cookie: ck})
	}
	bs, berr := t.BrowserSession(ctx, "a")
	if berr != nil {
		return tokens, id, "browser storage not inspected: " + berr.Error(), nil
	}
	if bs.StorageUnread != "" {
		note = "browser storage not all read: " + bs.StorageUnread
	}
	for _, v := range audit.StoredValues(bs) {
		for _, j := range jwtInText.FindAllString(v.Value, 3) {
			tokens = append(tokens, token{Where: v.Where, Name: v.Key, Value: j})
		}
		if !jwtInText.MatchString(v.Value) && tokenName(v) && opaqueSecret.MatchString(v.Value) {
			tokens = append(tokens, token{Where: v.Where, Name: v.Key, Value: v.Value})
		}
	}
	if h := audit.AuthHeader(bs); h != "" {
		tokens = append(tokens, token{Where: "Authorization header", Value: probe.Credential(h)})
	}
	return dedupe(tokens), id, note, nil
}

func dedupe(ts []token) []token {
	seen := map[string]bool{}
	var out []token
	for _, t := range ts {
		if !seen[t.Value] {
			seen[t.Value] = true
			out = append(out, t)
		}
	}
	return out
}

// jwtView is what a JWT says about itself, read without verifying it.
type jwtView struct {
	Alg    string
	Claims jwt.MapClaims
}

func parseJWT(s string) (*jwtView, bool) {
	if !jwtInText.MatchString(s) {
		return nil, false
	}
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(s, claims)
	if err != nil {
		return nil, false
	}
	alg, _ := tok.Header["alg"].(string)
	return &jwtView{Alg: alg, Claims: claims}, true
}

// claimsText shows a JWT's header algorithm and its time claims for evidence (never the token itself).
func (v *jwtView) claimsText() string {
	show := map[string]any{"alg": v.Alg}
	for _, k := range []string{"exp", "iat", "nbf", "iss", "aud", "role"} {
		if c, ok := v.Claims[k]; ok {
			show[k] = c
		}
	}
	b, _ := json.Marshal(show)
	return string(b)
}

// partial keeps a pass honest when part of the session could not be looked at: what was seen passed, but a token
// in Web Storage might not have, so the check cannot say pass.
func partial(res audit.Result, note string) audit.Result {
	if note == "" {
		return res
	}
	if res.Status == audit.Pass {
		out := audit.Undecided(res.Summary+", but "+note, res.Evidence...)
		return out
	}
	res.Evidence = append(res.Evidence, audit.Note("not inspected", note))
	return res
}
