package perf

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// healthSlow is how long a monitor will wait before it counts the app as down.
const healthSlow = time.Second

// wellKnownHealth are the paths frameworks and platforms use for health endpoints (each a request to every origin
// in scope): Kubernetes-style, Gitea's /api/healthz, Rails' /up, Spring's actuator, Directus' /server/health,
// Miniflux's and many others' /healthcheck.
var wellKnownHealth = []string{"/healthz", "/health", "/api/health", "/api/healthz", "/healthcheck", "/status", "/_health",
	"/livez", "/readyz", "/up", "/ping", "/server/health", "/actuator/health"}

// Health finds the health endpoint (the plan's, or a well-known path whose answer is not the app shell) and
// checks it answers 200 quickly.
func Health(ctx context.Context, t *audit.Target) audit.Result {
	if t.Plan.Paths.Health != "" {
		u := t.Resolve(t.Plan.Paths.Health).String()
		return cheap(ctx, t, u, judgeHealth(ctx, t, u))
	}
	// What the app answers for a path that cannot exist: a single-page app answers every path with its shell,
	// which is not a health endpoint.
	shell, err := t.Probe.Do(ctx, &probe.Request{URL: t.App.JoinPath("launchready-no-such-page").String(), Shared: true})
	if err != nil {
		return audit.Undecided("could not reach the app: " + err.Error())
	}
	var tried []string
	for _, cu := range healthCandidates(t) {
		u := cu.String()
		resp, err := t.Probe.Do(ctx, &probe.Request{URL: u})
		if err != nil {
			return audit.Undecided("could not finish probing for a health endpoint: " + err.Error())
		}
		if cu.Host == t.App.Host {
			tried = append(tried, cu.Path)
		} else {
			tried = append(tried, u)
		}
		if resp.Status == 200 && !looksLikeShell(resp.Body, shell.Body) {
			return cheap(ctx, t, u, judgeResponse(resp, u))
		}
	}
	return audit.Warned(audit.Medium, "no health endpoint found: give uptime monitoring a cheap GET /healthz that checks the database, or name yours in paths.health",
		audit.Note("paths tried", strings.Join(tried, " ")))
}

// healthCandidates are the well-known paths at the root of the app's and the API's hosts, where servers mount
// them, then under the app's or API's own path when it has one (an app served at /app/ with its /app/health).
func healthCandidates(t *audit.Target) []*url.URL {
	var bases []*url.URL
	for _, o := range t.Origins() {
		bases = append(bases, &url.URL{Scheme: o.Scheme, Host: o.Host, Path: "/"})
	}
	for _, o := range t.Origins() {
		if strings.Trim(o.Path, "/") != "" {
			bases = append(bases, &url.URL{Scheme: o.Scheme, Host: o.Host, Path: o.Path})
		}
	}
	var out []*url.URL
	seen := map[string]bool{}
	for _, b := range bases {
		for _, p := range wellKnownHealth {
			if u := b.JoinPath(p); !seen[u.String()] {
				seen[u.String()], out = true, append(out, u)
			}
		}
	}
	return out
}

func looksLikeShell(body, shell []byte) bool {
	if bytes.Equal(body, shell) {
		return true
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 256)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

func judgeHealth(ctx context.Context, t *audit.Target, u string) audit.Result {
	resp, err := t.Probe.Do(ctx, &probe.Request{URL: u})
	if err != nil {
		return audit.Undecided("the health endpoint did not answer: " + err.Error())
	}
	return judgeResponse(resp, u)
}

// healthSamples is how many times a found health endpoint is timed, to see that it is cheap.
const healthSamples = 5

// healthCheap is the p95 a health endpoint should stay under: monitors poll it every few seconds.
const healthCheap = 100 * time.Millisecond

func judgeResponse(resp *probe.Response, u string) audit.Result {
	ev := audit.Exchange("health endpoint", resp, "Content-Type")
	ev.Excerpt = audit.Excerpt(resp.Body, "")
	switch {
	case resp.Status != 200:
		return audit.Failed(0, fmt.Sprintf("the health endpoint %s answers %d: monitoring will page for nothing or miss real outages", u, resp.Status), ev)
	case resp.Duration > healthSlow:
		return audit.Warned(audit.Low, fmt.Sprintf("the health endpoint answers 200 but took %s (monitors time out around 1 s)", resp.Duration.Round(time.Millisecond)), ev)
	}
	return audit.Passed(fmt.Sprintf("%s answers 200 in %s", u, millis(resp.Duration)), ev)
}

// cheap times the health endpoint a few more times and warns when its p95 is not small.
func cheap(ctx context.Context, t *audit.Target, u string, res audit.Result) audit.Result {
	if res.Status != audit.Pass {
		return res
	}
	var ts []time.Duration
	for range healthSamples {
		resp, err := t.Probe.Do(ctx, &probe.Request{URL: u})
		if err != nil {
			break
		}
		ts = append(ts, resp.Duration)
	}
	if len(ts) == 0 {
		return res
	}
	p95 := quantiles(ts)[1]
	res.Evidence = append(res.Evidence, audit.Note("health endpoint timing", fmt.Sprintf("p95 %s over %d requests", millis(p95), len(ts))))
	if p95 >= healthCheap {
		return audit.Warned(audit.Low, fmt.Sprintf("%s answers 200 but its p95 is %s over %d requests: keep it under 100 ms (monitors poll it often)", u, millis(p95), len(ts)), res.Evidence...)
	}
	res.Summary += fmt.Sprintf(" (p95 %s over %d requests)", millis(p95), len(ts))
	return res
}

// millis shows a duration in milliseconds, with a decimal under 10 ms.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}
