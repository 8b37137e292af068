package audit

import (
	"context"
	"net/url"
	"regexp"
	"sort"

	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/ledger"
	"github.com/launchready/launchready/audit/probe"
)

// maxScripts bounds how many of the app page's scripts discovery downloads.
const maxScripts = 12

// Surface is what an anonymous visitor's first page load shows of the app: the page, its same-scope scripts,
// and the API paths those mention. Built once per audit (the browser engine will add the recorded traffic).
type Surface struct {
	Page     *probe.Response
	Scripts  []*probe.Response
	APIPaths []string // absolute URLs of API endpoints named in the page and scripts, sorted
	Err      error    // why the app page could not be loaded
}

var apiLiteral = regexp.MustCompile("[\"'`]((?:https?://[A-Za-z0-9.:\\-\\[\\]]+)?/(?:api|v[0-9]+|graphql|rest)(?:/[A-Za-z0-9_\\-.{}:]*)*)")

// Surface loads the app page and its scripts once and returns what they show.
func (t *Target) Surface(ctx context.Context) *Surface {
	t.surfaceOnce.Do(func() { t.surface = t.discover(ledger.Tag(ctx, "read the app's page and scripts")) })
	return t.surface
}

func (t *Target) discover(ctx context.Context) *Surface {
	s := &Surface{}
	page, err := t.Probe.Do(ctx, &probe.Request{URL: t.App.String(), Follow: 5, Shared: true})
	if err != nil {
		s.Err = err
		return s
	}
	s.Page = page
	base, _ := url.Parse(page.URL)
	found := map[string]bool{}
	collect := func(body []byte, from *url.URL) {
		for _, m := range apiLiteral.FindAllSubmatch(body, -1) {
			u, err := from.Parse(string(m[1]))
			if err == nil && t.Probe.InScope(u) {
				found[u.String()] = true
			}
		}
	}
	collect(page.Body, base)
	for i, src := range account.ScriptSources(page.Body, base) {
		u, _ := url.Parse(src)
		if i >= maxScripts || !t.Probe.InScope(u) {
			continue
		}
		js, err := t.Probe.Do(ctx, &probe.Request{URL: src, Follow: 2})
		if err != nil || js.Status != 200 {
			continue
		}
		s.Scripts = append(s.Scripts, js)
		collect(js.Body, u)
	}
	for u := range found {
		s.APIPaths = append(s.APIPaths, u)
	}
	sort.Strings(s.APIPaths)
	return s
}
