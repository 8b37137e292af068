package authz

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// IDORWrite, with active: true only, has account A create a canary object through the app's own API and account
// B try to update, replace and delete it; A's canary must come out unchanged. The canary is removed at the end.
func IDORWrite(ctx context.Context, t *audit.Target) audit.Result {
	if !t.Plan.Active {
		return audit.NotRun("writes to the app: set active: true in the plan to let the audit create a canary object as A and try to change and delete it as B")
	}
	a, b, res := sides(ctx, t)
	if res != nil {
		return *res
	}
	marker := "launchready-canary-" + randomHex(6)
	c, err := t.NewCanary(ctx, a.Creds, a.Traffic, marker)
	if err != nil {
		return audit.Undecided("could not create a canary as A: " + err.Error())
	}
	defer c.Remove(ctx, t, a.Creds)
	tampered := `{"title": "launchready-tampered", "body": "launchready-tampered", "name": "launchready-tampered"}`
	var parts []audit.Result
	var lines []string
	for _, method := range []string{http.MethodPatch, http.MethodPut, http.MethodDelete} {
		req := &probe.Request{Method: method, URL: c.Item, Header: http.Header{"Content-Type": {"application/json"}}}
		if method != http.MethodDelete {
			req.Body = []byte(tampered)
		}
		resp, err := t.Probe.Do(ctx, b.Creds.Apply(req))
		if err != nil {
			parts = append(parts, audit.Undecided(err.Error()))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s as B → %d", method, c.Item, resp.Status))
		if resp.Status >= 200 && resp.Status < 300 {
			ev := audit.Exchange(method+" of A's canary as B", resp)
			parts = append(parts, audit.Failed(audit.Critical, fmt.Sprintf("%s %s as B succeeded (%d): B can change another account's objects", method, audit.Route(c.Item), resp.Status), ev))
		}
	}
	after, err := t.Probe.Do(ctx, a.Creds.Apply(&probe.Request{URL: c.Item}))
	switch {
	case err != nil:
		parts = append(parts, audit.Undecided("reading the canary back as A: "+err.Error()))
	case after.Status == 404 || after.Status == 410:
		lines = append(lines, fmt.Sprintf("GET %s as A → %d: the canary is gone", c.Item, after.Status))
		parts = append(parts, audit.Failed(audit.Critical, "A's canary was deleted by B"))
	case strings.Contains(string(after.Body), "launchready-tampered"):
		lines = append(lines, fmt.Sprintf("GET %s as A → %d: the canary was changed", c.Item, after.Status))
		parts = append(parts, audit.Failed(audit.Critical, "A's canary was changed by B"))
	default:
		lines = append(lines, fmt.Sprintf("GET %s as A → %d: unchanged", c.Item, after.Status))
	}
	ev := audit.Note("canary "+marker+" created by A in "+audit.Route(c.Collection), strings.Join(lines, "\n"))
	for _, p := range parts {
		if p.Status == audit.Fail {
			res := audit.Combine(parts...)
			res.Evidence = append(res.Evidence, ev)
			return res
		}
	}
	if len(lines) < 4 {
		return audit.Combine(append(parts, audit.Undecided("not every write could be tried"))...)
	}
	return audit.Passed("B's update, replace and delete of A's canary were refused, and the canary is unchanged", ev)
}
