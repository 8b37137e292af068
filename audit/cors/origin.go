package cors

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

var corsHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"}

// Origin sends requests with untrusted Origin headers and fails when the answer lets that origin read it.
func Origin(ctx context.Context, t *audit.Target) audit.Result {
	var parts []audit.Result
	for _, ep := range endpoints(ctx, t) {
		for _, origin := range evilOrigins(t.App) {
			resp, err := t.Probe.Do(ctx, asAccountA(ctx, t, &probe.Request{URL: ep, Header: http.Header{"Origin": {origin}}}))
			if err != nil {
				parts = append(parts, audit.Undecided(err.Error()))
				continue
			}
			parts = append(parts, judgeOrigin(origin, resp))
		}
	}
	res := audit.Combine(parts...)
	if allowed := allowedOrigins(parts); res.Status == audit.Fail {
		res.Summary = fmt.Sprintf("the API lets %d untrusted origins read answers with the user's cookies (%s): any site a user visits can read their data",
			len(allowed), strings.Join(allowed, ", "))
	}
	if res.Status == audit.Pass {
		res.Summary = fmt.Sprintf("no untrusted origin was allowed (%d requests with evil, null and look-alike origins)", len(parts))
		res.Evidence = res.Evidence[:1]
	}
	return res
}

// allowedOrigins lists, once each, the origins that a failing part allowed.
func allowedOrigins(parts []audit.Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range parts {
		if p.Status != audit.Fail {
			continue
		}
		for _, ev := range p.Evidence {
			o := strings.TrimPrefix(ev.Label, "Origin: ")
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	return out
}

func judgeOrigin(origin string, resp *probe.Response) audit.Result {
	ev := audit.Exchange("Origin: "+origin, resp, corsHeaders...)
	acao := strings.TrimSpace(resp.Header.Get("Access-Control-Allow-Origin"))
	creds := strings.EqualFold(strings.TrimSpace(resp.Header.Get("Access-Control-Allow-Credentials")), "true")
	switch {
	case acao == origin && creds:
		return audit.Failed(audit.High, fmt.Sprintf("the API allows origin %s with credentials: any site a user visits can read their data", origin), ev)
	case acao == origin:
		return audit.Warned(audit.Medium, fmt.Sprintf("the API reflects origin %s (without credentials)", origin), ev)
	case acao == "*" && creds:
		return audit.Warned(audit.Low, "Access-Control-Allow-Origin: * together with Allow-Credentials: true (browsers refuse it, but it shows the policy is not deliberate)", ev)
	}
	return audit.Passed("origin "+origin+" not allowed", ev)
}

// Preflight sends a preflight for a state-changing request from an untrusted origin.
func Preflight(ctx context.Context, t *audit.Target) audit.Result {
	var parts []audit.Result
	const origin = "https://evil.example"
	for _, ep := range endpoints(ctx, t) {
		resp, err := t.Probe.Do(ctx, &probe.Request{Method: http.MethodOptions, URL: ep, Header: http.Header{
			"Origin":                         {origin},
			"Access-Control-Request-Method":  {"DELETE"},
			"Access-Control-Request-Headers": {"content-type, authorization"},
		}})
		if err != nil {
			parts = append(parts, audit.Undecided(err.Error()))
			continue
		}
		ev := audit.Exchange("preflight DELETE from "+origin, resp, append(corsHeaders, "Access-Control-Allow-Methods", "Access-Control-Allow-Headers")...)
		switch acao := strings.TrimSpace(resp.Header.Get("Access-Control-Allow-Origin")); acao {
		case origin:
			parts = append(parts, audit.Failed(0, "a preflight from "+origin+" is allowed: that site may send DELETE requests with custom headers", ev))
		case "*":
			parts = append(parts, audit.Warned(audit.Low, "preflights are allowed for any origin (*): fine only for a public API without cookies", ev))
		default:
			parts = append(parts, audit.Passed("preflight from "+origin+" refused", ev))
		}
	}
	return audit.Combine(parts...)
}
