package input

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/probe"
)

// maxProvocations bounds the extra requests error-leakage sends to make errors happen.
const maxProvocations = 6

// idSegment is a path segment that names an object: a number, a UUID, or a long hex/base62 token.
var idSegment = regexp.MustCompile(`^(?:\d+|[0-9a-fA-F-]{32,36}|[A-Za-z0-9_-]{20,})$`)

// ErrorLeakage judges every error answer the audit has seen, after provoking a few of its own (read-only GETs:
// an unknown page, an unknown API route, malformed IDs on the API routes the app's scripts name).
func ErrorLeakage(ctx context.Context, t *audit.Target) audit.Result {
	var answered int
	var lastErr error
	for _, u := range provocations(ctx, t) {
		// The answer is recorded in the probe's journal when it is an error.
		req := &probe.Request{URL: u, Shared: true}  // admin-routes asks for the unknown page too
		if s, err := t.Login(ctx, "a"); err == nil { // private routes then show their real errors
			s.Apply(req)
		}
		if _, err := t.Probe.Do(ctx, req); err != nil {
			lastErr = err
		} else {
			answered++
		}
	}
	errs := t.Probe.Errors()
	// Checks run concurrently, so the journal's order is the race's: judge in a fixed order for a stable report.
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].URL != errs[j].URL {
			return errs[i].URL < errs[j].URL
		}
		return errs[i].Method < errs[j].Method
	})
	switch {
	case len(errs) == 0 && answered == 0:
		return audit.Undecided(fmt.Sprintf("could not reach the app to see its errors: %v", lastErr))
	case len(errs) == 0:
		return audit.Undecided("the audit saw no error answer to judge (the app answered every request with success)")
	}
	var leaks []audit.Result
	seen := map[string]bool{}
	routes := map[string][]string{} // signature -> routes that showed it
	for _, ex := range errs {
		// An HTML error page is read as the lines it shows too (Express writes a stack with <br> and &nbsp;).
		var text []byte
		if lines := account.ShownLines(ex.Body); lines != "" {
			text = []byte(lines)
		}
		for _, sig := range signatures {
			body := ex.Body
			loc := sig.Re.FindIndex(body)
			if loc == nil && text != nil {
				body, loc = text, sig.Re.FindIndex(text)
			}
			if loc == nil || seen[sig.Name+" "+audit.Route(ex.URL)] {
				continue
			}
			seen[sig.Name+" "+audit.Route(ex.URL)] = true
			routes[sig.Name] = append(routes[sig.Name], ex.Method+" "+audit.Route(ex.URL))
			ev := audit.Evidence{Label: sig.Name, Request: ex.Method + " " + ex.URL, Status: ex.Status,
				Excerpt: audit.Excerpt(body, string(body[loc[0]:loc[1]]))}
			leaks = append(leaks, audit.Failed(0, fmt.Sprintf("%s in a %d answer of %s %s", sig.Name, ex.Status, ex.Method, audit.Route(ex.URL)), ev))
		}
	}
	var kinds []string
	for _, sig := range signatures {
		if rs := routes[sig.Name]; len(rs) > 0 {
			kinds = append(kinds, fmt.Sprintf("%s (%s)", sig.Name, strings.Join(firstN(rs, 3), ", ")+more(len(rs)-3)))
		}
	}
	if len(leaks) > 0 {
		res := audit.Combine(leaks...)
		res.Summary = "error answers give away internals: " + strings.Join(kinds, "; ")
		return res
	}
	return audit.Passed(fmt.Sprintf("%d error answers seen, none shows a stack trace, SQL error, debug page or internal path", len(errs)),
		audit.Note("signatures", signatureNames()))
}

// provocations lists the read-only requests that make a typical app answer with an error.
func provocations(ctx context.Context, t *audit.Target) []string {
	out := []string{t.App.JoinPath("launchready-no-such-page").String()}
	base := t.App
	if t.API != nil {
		base = t.API
	}
	out = append(out, base.JoinPath("api", "launchready-no-such-route").String())
	for _, p := range t.Surface(ctx).APIPaths {
		if len(out) >= maxProvocations {
			break
		}
		if u := malformID(p); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// malformID puts a quote-laden value where an object ID goes: in place of an ID segment, or after a path that
// ends in "/" (a prefix the script completes with an ID).
func malformID(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	const bad = "lr'\"x"
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if i > 1 && idSegment.MatchString(s) {
			segs[i] = bad
			u.Path = strings.Join(segs, "/")
			return u.String()
		}
	}
	if strings.HasSuffix(u.Path, "/") {
		u.Path += bad
		return u.String()
	}
	return ""
}

func signatureNames() string {
	var names []string
	for _, s := range signatures {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

func firstN(s []string, n int) []string { return s[:min(n, len(s))] }

func more(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" and %d more", n)
}
