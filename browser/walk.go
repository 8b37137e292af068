package browser

import (
	"context"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Walk bounds: how many pages the walk opens after the landing page, how many of one shape (/projects/{id}), how
// many links it reads on a page, and how long each page may take to settle.
const (
	walkPages    = 10
	walkPerShape = 2
	walkLinks    = 60
	walkSettle   = 3 * time.Second
)

// avoidLinks keeps the walk passive and the session alive: no logout, no GET links that change something (apps
// that should not have them do), no downloads.
const avoidLinks = `log ?out|sign ?out|logout|signout|sign_out|log_out|delete|remove|destroy|unsubscribe|cancel|revoke|` +
	`\b(accept|decline|approve|reject|archive|leave|disable|deactivate|toggle|follow|unfollow|star|unstar|like|vote|mark)\b|\.(pdf|zip|csv|xlsx?)$`

// Walk opens the app's pages the way a user reaches their own data: breadth first from the landing page (its
// navigation and lists), a new shape of page before a second of the same (a project's page before another
// project's), at most walkPerShape pages per shape and walkPages in all, so that the account's objects — detail
// pages and the API calls they make — are recorded. It returns to the landing page and captures the traffic;
// Walked and NotWalked say what it opened and what it saw but left for the bound.
func (s *Session) Walk(ctx context.Context) {
	seen := map[string]bool{strings.SplitN(s.LandingURL, "#", 2)[0]: true}
	var queue []string
	enqueue := func() {
		for _, l := range s.Page.links(avoidLinks, walkLinks) {
			if !seen[l] {
				seen[l] = true
				queue = append(queue, l)
			}
		}
	}
	enqueue()
	opened := map[string]int{}
	for len(queue) > 0 && len(s.Walked) < walkPages && ctx.Err() == nil {
		i := nextLink(queue, opened)
		if i < 0 {
			break
		}
		l := queue[i]
		queue = append(queue[:i], queue[i+1:]...)
		opened[pageShape(l)]++
		_ = s.Page.rod.Timeout(walkSettle).Navigate(l)
		s.Page.settle(walkSettle)
		s.Walked = append(s.Walked, l)
		enqueue()
	}
	for _, l := range queue {
		if opened[pageShape(l)] == 0 {
			s.NotWalked = append(s.NotWalked, l)
		}
	}
	if len(s.Walked) > 0 && s.LandingURL != "" {
		_ = s.Page.rod.Timeout(walkSettle).Navigate(s.LandingURL)
		s.Page.settle(walkSettle)
	}
	s.Traffic = s.Context.appTraffic(s.Page)
}

// nextLink picks the first link of a shape not opened yet, else the first whose shape may be opened again; -1
// when every link left is of a shape already opened walkPerShape times.
func nextLink(queue []string, opened map[string]int) int {
	again := -1
	for i, l := range queue {
		switch n := opened[pageShape(l)]; {
		case n == 0:
			return i
		case n < walkPerShape && again < 0:
			again = i
		}
	}
	return again
}

// anyID is a path segment that names one object rather than a kind of page: it carries a digit.
var anyID = regexp.MustCompile(`[0-9]`)

// pageShape is a link with what names one object taken out: /projects/12 and /projects/7 are one shape, and so
// are two pages of a list (?page=2).
func pageShape(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, s := range segs {
		if anyID.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	keys := slices.Sorted(maps.Keys(u.Query()))
	return "/" + strings.Join(segs, "/") + "?" + strings.Join(keys, "&")
}

// links returns up to n distinct same-origin link targets on the page, skipping those matching avoid.
func (p *Page) links(avoid string, n int) []string {
	return p.evalStrings(`(avoid, n) => { const re = new RegExp(avoid, 'i'); const seen = new Set([location.href.split('#')[0]]); const out = [];
		for (const a of document.querySelectorAll('a[href]')) {
			const href = a.href.split('#')[0];
			if (a.origin !== location.origin || seen.has(href) || re.test(a.pathname + ' ' + a.innerText) || a.hasAttribute('download')) continue;
			seen.add(href); out.push(href); if (out.length >= n) break;
		}
		return out }`, avoid, n)
}

// Visit loads u in a new tab of the context, waits for it to settle, and returns what it loaded.
func (c *Context) Visit(ctx context.Context, u string) ([]Exchange, error) {
	p, err := c.NewPage(ctx)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if err := p.Goto(u); err != nil {
		return nil, c.engine.explain(err)
	}
	p.settle(walkSettle)
	return p.Traffic(), nil
}
