package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// commonAdmin are the places apps put their admin pages and APIs.
var commonAdmin = []string{"/admin", "/admin/users", "/api/admin", "/api/admin/users", "/api/admin/stats",
	"/api/v1/admin/users", "/-/admin", "/api/users", "/dashboard/admin", "/internal", "/staff", "/manage"}

// maxAdminRoutes bounds the routes tried (each as A, and anonymously when it exists for A).
const maxAdminRoutes = 20

var (
	adminInCode  = regexp.MustCompile(`["'\x60](/(?:[A-Za-z0-9_\-]+/)*[A-Za-z0-9_\-]*admin[A-Za-z0-9_\-/]*)["'\x60]`)
	adminContent = regexp.MustCompile(`(?i)\b(admin|users|all members|roles?|permissions|impersonate|delete user|billing|settings)\b`)
)

// AdminRoutes requests admin pages and APIs (common ones, and those the app's own code names) as account A and
// anonymously: each must be refused by the server, whatever the interface hides.
func AdminRoutes(ctx context.Context, t *audit.Target) audit.Result {
	s := t.Surface(ctx)
	if s.Err != nil {
		return audit.Undecided("could not load the app: " + s.Err.Error())
	}
	routes := adminRoutes(ctx, t, s)
	sessA, loginErr := t.Login(ctx, "a")
	// The app shell every unknown path gets, as each caller sees it: a logged-in shell has the account's own menu
	// (settings, members), which is not admin content.
	shells := map[string]*probe.Response{}
	for _, who := range []string{"anonymous", "A"} {
		req := &probe.Request{URL: t.App.JoinPath("launchready-no-such-page").String(), Shared: true}
		if who == "A" && loginErr == nil {
			sessA.Apply(req)
		}
		if shell, err := t.Probe.Do(ctx, req); err == nil {
			shells[who] = shell
		}
	}
	start := time.Now()
	var parts []audit.Result
	var tried []string
	exists := map[string]bool{} // routes that answered anything but "no such page"
	for _, u := range routes {
		// As the member first: a route the member is told does not exist (404, the shell every unknown path gets)
		// is not asked again anonymously, where it cannot show more.
		for _, who := range []string{"A", "anonymous"} {
			req := &probe.Request{URL: u, Shared: true}
			switch {
			case who == "A" && loginErr != nil:
				continue
			case who == "A":
				sessA.Apply(req)
			case loginErr == nil && !exists[u]:
				continue
			}
			resp, err := t.Probe.Do(ctx, req)
			if err != nil {
				parts = append(parts, audit.Undecided(err.Error()))
				continue
			}
			tried = append(tried, fmt.Sprintf("%s as %s → %d", resp.URL, who, resp.Status))
			switch {
			case probe.NoVerdict(resp.Status):
				// A limit or a failing server answered, not the route's access rule: what it serves is not known.
				parts = append(parts, audit.Undecided(fmt.Sprintf("%s answered %s %d, a limit or a failure rather than a refusal", audit.Route(u), who, resp.Status)))
				exists[u] = true
			case adminAnswer(resp, shellBody(shells[who])):
				ev := audit.Exchange("admin route as "+who, resp, "Content-Type")
				ev.Excerpt = audit.Excerpt(resp.Body, "")
				parts = append(parts, audit.Failed(0, fmt.Sprintf("%s answers %s with admin content (%d): the server does not check the role", audit.Route(u), who, resp.Status), ev))
				exists[u] = true
			case !noSuchPage(resp, shells[who]):
				exists[u] = true
			}
		}
	}
	ev := audit.Note("admin routes tried", strings.Join(tried, "\n")+fmt.Sprintf("\n(%d requests in %s)", len(tried), time.Since(start).Round(time.Millisecond)))
	var failed []audit.Result
	for _, p := range parts {
		if p.Status == audit.Fail {
			failed = append(failed, p)
		}
	}
	switch {
	case len(failed) > 0:
		res := audit.Combine(failed...)
		res.Evidence = append(res.Evidence, ev)
		return res
	case len(tried) == 0:
		return audit.Undecided("no admin route could be requested", ev)
	case len(exists) == 0:
		// Nothing refused anything: every route is "no such page". That is no admin console found, not one protected.
		return audit.Undecided(fmt.Sprintf("none of the %d admin routes tried exists (each answered not found, or the page every unknown path gets): set paths.admin in the plan to the app's admin page or API", len(routes)), ev)
	case loginErr != nil:
		return audit.Undecided("admin routes are refused anonymously, but as a logged-in member they could not be tried: "+loginErr.Error(), ev)
	}
	pass := audit.Passed(fmt.Sprintf("%d admin routes refused to a member and to anonymous visitors (%d more tried do not exist)", len(exists), len(routes)-len(exists)), ev)
	if len(parts) > 0 { // a route no one could judge keeps the others from passing
		return audit.Combine(append(parts, pass)...) // with the pass's evidence: every route tried
	}
	return pass
}

// noSuchPage reports an answer that says nothing of the path: a 404 or 410, or what every unknown path gets (a
// single-page app's shell, a login wall's redirect or 401): the same status with the same page or destination.
func noSuchPage(resp, shell *probe.Response) bool {
	switch {
	case resp.Status == 404 || resp.Status == 410:
		return true
	case shell == nil || resp.Status != shell.Status:
		return false
	case resp.Status >= 300 && resp.Status < 400:
		return withoutQuery(resp.Header.Get("Location")) == withoutQuery(shell.Header.Get("Location")) // /login?next=…
	}
	return similar(resp.Body, shell.Body) || len(bytes.TrimSpace(resp.Body)) == 0 && len(bytes.TrimSpace(shell.Body)) == 0
}

func withoutQuery(loc string) string {
	loc, _, _ = strings.Cut(loc, "?")
	return loc
}

func shellBody(shell *probe.Response) []byte {
	if shell == nil {
		return nil
	}
	return shell.Body
}

// adminRoutes lists the routes to try: the app's own code first (its page, scripts and API paths), then the common.
func adminRoutes(ctx context.Context, t *audit.Target, s *audit.Surface) []string {
	var found []string
	add := func(p string) {
		u, err := t.App.Parse(p)
		if err != nil || !t.Probe.InScope(u) || len(found) >= maxAdminRoutes {
			return
		}
		for _, f := range found {
			if f == u.String() {
				return
			}
		}
		found = append(found, u.String())
	}
	bodies := [][]byte{s.Page.Body}
	for _, js := range s.Scripts {
		bodies = append(bodies, js.Body)
	}
	if bs, err := t.BrowserSession(ctx, "a"); err == nil {
		for _, x := range bs.Traffic {
			if x.Type == "Script" || x.IsAPI() {
				bodies = append(bodies, x.Body)
			}
		}
	}
	if t.Plan.Paths.Admin != "" {
		add(t.Plan.Paths.Admin)
	}
	var inCode []string
	for _, b := range bodies {
		for _, m := range adminInCode.FindAllSubmatch(b, -1) {
			inCode = append(inCode, string(m[1]))
		}
	}
	sort.Strings(inCode)
	for _, p := range inCode {
		add(p)
	}
	for _, p := range commonAdmin {
		add(p)
	}
	return found
}

// adminAnswer reports a success that is really admin content: not the app shell every path gets, not a login
// page, and either data (JSON) or a page that talks like an admin console.
func adminAnswer(resp *probe.Response, shell []byte) bool {
	if resp.Status < 200 || resp.Status >= 300 || len(bytes.TrimSpace(resp.Body)) == 0 {
		return false
	}
	if len(shell) > 0 && similar(resp.Body, shell) {
		return false
	}
	body := bytes.TrimSpace(resp.Body)
	if body[0] == '{' || body[0] == '[' {
		var doc any
		if json.Unmarshal(body, &doc) != nil {
			return false
		}
		switch d := doc.(type) {
		case []any:
			return len(d) > 0
		case map[string]any:
			_, isErr := d["error"]
			return len(d) > 0 && !isErr
		}
		return false
	}
	lower := bytes.ToLower(body)
	if bytes.Contains(lower, []byte(`type="password"`)) || bytes.Contains(lower, []byte(`type=password`)) {
		return false // the login page
	}
	return adminContent.Match(body)
}
