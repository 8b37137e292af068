package transport

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// maxHops bounds a redirect chain walk; more is a loop or a mistake.
const maxHops = 6

// CanonicalHost starts from the apex and www. names (and the app's own host) over https and http, follows each
// redirect chain hop by hop, and checks all of them end on one origin quickly and without detours.
func CanonicalHost(ctx context.Context, t *audit.Target) audit.Result {
	canonical := origin(t.App)
	starts := startURLs(t)
	if len(starts) < 2 {
		return audit.NotRun("the app is on " + t.App.Hostname() + ", which has no apex/www. pair to compare (an IP address or a subdomain): nothing to canonicalize")
	}
	var parts []audit.Result
	var chains []string
	for _, s := range starts {
		chain, end, res := walk(ctx, t, s.url)
		chains = append(chains, strings.Join(chain, " → "))
		if res != nil {
			parts = append(parts, *res)
			continue
		}
		limit := 1
		if s.plain {
			limit = 2
		}
		hops := len(chain) - 1
		switch {
		case end != canonical:
			parts = append(parts, audit.Failed(0, fmt.Sprintf("%s ends on %s, not on the canonical %s", s.url, end, canonical)))
		case throughHTTP(chain, s.plain):
			parts = append(parts, audit.Failed(audit.Medium, fmt.Sprintf("%s passes through http:// on its way to %s: the detour can be intercepted; redirect straight to %s", s.url, canonical, canonical)))
		case hops > limit:
			parts = append(parts, audit.Warned(audit.Low, fmt.Sprintf("%s takes %d redirects to reach %s (at most %d expected)", s.url, hops, canonical, limit)))
		default:
			parts = append(parts, audit.Passed(""))
		}
	}
	ev := audit.Note("redirect chains", strings.Join(chains, "\n"))
	res := audit.Combine(parts...)
	res.Evidence = append(res.Evidence, ev)
	if res.Status == audit.Pass {
		res.Summary = fmt.Sprintf("%d starting points (apex and www., https and http) all end on %s within the hop limits", len(starts), canonical)
	}
	return res
}

type start struct {
	url   string
	plain bool
}

// startURLs are the apex and www. names over https (on the app's port) and http (on the plain-HTTP port).
func startURLs(t *audit.Target) []start {
	hosts := audit.SiteVariants(t.App.String())
	var out []start
	for _, h := range hosts {
		u := *t.App
		u.Host = hostPort(h, t.App.Port())
		u.Path = "/"
		out = append(out, start{url: u.String()})
		if t.HTTP != nil {
			p := *t.HTTP
			p.Host = hostPort(h, t.HTTP.Port())
			p.Path = "/"
			out = append(out, start{url: p.String(), plain: true})
		}
	}
	return out
}

func hostPort(h, port string) string {
	if port == "" {
		return h
	}
	return h + ":" + port
}

// walk follows a chain one hop at a time, so every hop is checked against the scope and shown.
func walk(ctx context.Context, t *audit.Target, start string) (chain []string, end string, res *audit.Result) {
	seen := map[string]bool{}
	cur := start
	for hop := 0; hop <= maxHops; hop++ {
		chain = append(chain, cur)
		if seen[cur] {
			r := audit.Failed(audit.Medium, "redirect loop from "+start+": "+strings.Join(chain, " → "))
			return chain, "", &r
		}
		seen[cur] = true
		resp, err := t.Probe.Do(ctx, &probe.Request{URL: cur, Shared: true})
		if err != nil {
			r := audit.Undecided(fmt.Sprintf("%s could not be followed: %v", start, err))
			return chain, "", &r
		}
		loc := resp.Header.Get("Location")
		if resp.Status < 300 || resp.Status >= 400 || loc == "" {
			u, _ := url.Parse(cur)
			if resp.Status >= 400 {
				r := audit.Failed(audit.Low, fmt.Sprintf("%s ends in an error (%d)", start, resp.Status))
				return chain, origin(u), &r
			}
			return chain, origin(u), nil
		}
		base, _ := url.Parse(cur)
		next, err := base.Parse(loc)
		if err != nil {
			r := audit.Failed(audit.Low, fmt.Sprintf("%s redirects to an unreadable Location %q", cur, loc))
			return chain, "", &r
		}
		if !t.Probe.InScope(next) {
			r := audit.Failed(audit.Medium, fmt.Sprintf("%s redirects through %s, a host outside the site: chain through a third host", start, next.Host))
			return append(chain, next.String()), "", &r
		}
		cur = next.String()
	}
	r := audit.Failed(audit.Medium, fmt.Sprintf("%s still redirects after %d hops", start, maxHops))
	return chain, "", &r
}

// throughHTTP reports a chain that goes to http:// after having been on https:// (or, from http, that reaches
// http:// again after its first hop).
func throughHTTP(chain []string, fromPlain bool) bool {
	for i, c := range chain {
		if i == 0 {
			continue
		}
		if strings.HasPrefix(c, "http://") {
			return true
		}
	}
	return !fromPlain && strings.HasPrefix(chain[0], "http://")
}

func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }
