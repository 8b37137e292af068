package secrets

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// ExposedFiles requests each well-known leak path on each origin and fails on content that is really there.
func ExposedFiles(ctx context.Context, t *audit.Target) audit.Result {
	var found []audit.Result
	var checked, failedReqs, noVerdict int
	var lastErr error
	var lastNoVerdict string
	for _, origin := range t.Origins() {
		// A path that cannot exist shows how the app answers for nothing (404, or an SPA shell).
		nothing, err := t.Probe.Do(ctx, &probe.Request{URL: origin.JoinPath(randomPath()).String()})
		if err != nil {
			failedReqs++
			lastErr = err
			continue
		}
		for _, rule := range fileRules {
			u := origin.JoinPath(rule.Path)
			if strings.HasSuffix(rule.Path, "/") {
				u.Path += "/"
			}
			resp, err := t.Probe.Do(ctx, &probe.Request{URL: u.String()})
			if err != nil {
				failedReqs++
				lastErr = err
				continue
			}
			if probe.NoVerdict(resp.Status) {
				// A limit or a failing server answered, not the path: what it would have served is not known.
				noVerdict++
				lastNoVerdict = fmt.Sprintf("%s answered %d", u.Path, resp.Status)
				continue
			}
			checked++
			if resp.Status == 200 && !bytes.Equal(resp.Body, nothing.Body) && rule.Match(resp.Body) {
				ev := audit.Exchange(rule.What, resp, "Content-Type")
				ev.Excerpt = audit.Excerpt(resp.Body, "")
				if rule.Secret {
					ev.Excerpt = mask(Scrub(ev.Excerpt))
				}
				found = append(found, audit.Failed(rule.Severity, fmt.Sprintf("%s is served: %s", u.Path, rule.What), ev))
			}
		}
	}
	switch {
	case len(found) > 0:
		return audit.Combine(found...)
	case checked == 0 && noVerdict == 0:
		return audit.Undecided(fmt.Sprintf("no probe got an answer: %v", lastErr))
	case noVerdict > 0:
		return audit.Undecided(fmt.Sprintf("%d of %d probes were answered by a limit or a server error (%s, for one), not by the path, so absence is not proven: run again once the app answers", noVerdict, noVerdict+failedReqs+checked, lastNoVerdict))
	case failedReqs > 0:
		return audit.Undecided(fmt.Sprintf("%d of %d probes got no answer (%v), so absence is not proven", failedReqs, failedReqs+checked, lastErr))
	}
	var paths []string
	for _, r := range fileRules {
		paths = append(paths, r.Path)
	}
	return audit.Passed(fmt.Sprintf("none of %d well-known leak paths serves its real content", checked),
		audit.Note("paths probed on "+originList(t), strings.Join(paths, " ")))
}

func originList(t *audit.Target) string {
	var hs []string
	for _, o := range t.Origins() {
		hs = append(hs, o.Host)
	}
	return strings.Join(hs, ", ")
}

func randomPath() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "launchready-" + hex.EncodeToString(b)
}
