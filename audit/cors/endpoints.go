package cors

import (
	"context"
	"net/url"
	"sort"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// maxEndpoints bounds how many endpoints each CORS check tries.
const maxEndpoints = 3

// endpoints picks the API endpoints to test: concrete API paths the app's page and scripts name first, then the
// API origin, then the app itself.
func endpoints(ctx context.Context, t *audit.Target) []string {
	paths := append([]string(nil), t.Surface(ctx).APIPaths...)
	// Concrete paths ("/api/me") before prefixes ("/api/posts/") and templates.
	sort.SliceStable(paths, func(i, j int) bool { return concrete(paths[i]) && !concrete(paths[j]) })
	var out []string
	for _, p := range paths {
		if len(out) < maxEndpoints-1 {
			out = append(out, p)
		}
	}
	if t.API != nil {
		out = append(out, t.API.String())
	}
	if len(out) == 0 {
		out = append(out, t.App.String())
	}
	return out
}

func concrete(u string) bool { return !strings.HasSuffix(u, "/") && !strings.ContainsAny(u, "{}:") }

// evilOrigins are the origins no app should trust: an unrelated site, the null origin (sandboxed iframes, file
// URLs), and look-alikes that defeat prefix/suffix matching.
func evilOrigins(app *url.URL) []string {
	host := app.Hostname()
	return []string{
		"https://evil.example",
		"null",
		"https://" + host + ".evil.example",
		"https://evil" + host,
	}
}

// asAccountA makes req carry account A's session when the login works, so the answer is the one a logged-in
// victim's browser would get; the CORS decision is then judged with Access-Control-Allow-Credentials.
func asAccountA(ctx context.Context, t *audit.Target, req *probe.Request) *probe.Request {
	if s, err := t.Login(ctx, "a"); err == nil {
		return s.Apply(req)
	}
	return req
}
