package session

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/launchready/launchready/audit"
)

// Rotation compares the session identifiers a visitor had before logging in with those after: the same value
// before and after means an attacker who planted it (session fixation) is logged in too.
func Rotation(ctx context.Context, t *audit.Target) audit.Result {
	s, err := t.Login(ctx, "a")
	if err != nil {
		return audit.LoginOutcome(err)
	}
	after := map[string]string{}
	for _, ck := range s.Jar.Cookies(t.App) {
		after[ck.Name] = ck.Value
	}
	for _, ck := range s.Cookies {
		after[ck.Name] = ck.Value
	}
	var kept, rotated []string
	for _, ck := range s.Before {
		if !sessionName.MatchString(ck.Name) || csrfCookie.MatchString(ck.Name) {
			continue
		}
		switch v, ok := after[ck.Name]; {
		case ok && v == ck.Value:
			kept = append(kept, ck.Name)
		default:
			rotated = append(rotated, ck.Name)
		}
	}
	ev := audit.Note("cookies before login on "+s.LoginPage, names(s.Before))
	ev2 := audit.Note("cookies set at login", names(s.Cookies))
	switch {
	case len(kept) > 0:
		return audit.Failed(0, fmt.Sprintf("the session cookie %s keeps its pre-login value after login: session fixation", strings.Join(kept, ", ")), ev, ev2)
	case len(rotated) > 0:
		return audit.Passed(fmt.Sprintf("the pre-login session cookie %s was replaced at login", strings.Join(rotated, ", ")), ev, ev2)
	case len(s.Cookies) > 0:
		return audit.Passed("no session existed before login; the login issued a new one", ev, ev2)
	}
	return audit.Undecided("the login set no cookie, so there is no session identifier to compare (token sessions are judged by session.token-strength)", ev)
}

func names(cks []*http.Cookie) string {
	var out []string
	for _, ck := range cks {
		out = append(out, ck.Name)
	}
	return orNone(out)
}
