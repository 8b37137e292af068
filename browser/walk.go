package browser

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Walk bounds: how many pages the walk opens after the landing page, how many of one shape (/projects/{id}), how
// many links it reads on a page, how long each page may take to settle, and how many tabs open pages at once.
const (
	walkPages    = 10
	walkPerShape = 2
	walkLinks    = 60
	walkSettle   = 3 * time.Second
	walkTabs     = 3
)

// avoidLinks keeps the walk passive and the session alive: no logout, no GET links that change something (apps
// that should not have them do), no downloads.
const avoidLinks = `log ?out|sign ?out|logout|signout|sign_out|log_out|delete|remove|destroy|unsubscribe|cancel|revoke|` +
	`\b(accept|decline|approve|reject|archive|leave|disable|deactivate|toggle|follow|unfollow|star|unstar|like|vote|mark)\b|\.(pdf|zip|csv|xlsx?)$`

// Walk opens the app's pages the way a user reaches their own data: breadth first from the landing page (its
// navigation and lists), a new shape of page before a second of the same (a project's page before another
// project's), at most walkPerShape pages per shape and walkPages in all, so that the account's objects — detail
// pages and the API calls they make — are recorded. The pages open walkTabs at a time in tabs of the session's
// context (its cookies, and a copy of its sessionStorage as a tab the app opened would have), while the session's
// own tab stays on the landing page for the checks that use it; most of a walk is waiting on the app. Traffic is
// what the session's tab and the walk's tabs recorded; Walked and NotWalked say what it opened and what it saw
// but left for the bound.
func (s *Session) Walk(ctx context.Context) {
	seen := map[string]bool{pageKey(s.LandingURL): true}
	var queue []string
	enqueue := func(links []string) {
		for _, l := range links {
			if !seen[l] {
				seen[l] = true
				queue = append(queue, l)
			}
		}
	}
	enqueue(s.Page.links(avoidLinks, walkLinks))
	opened := map[string]int{}
	var tabs []*Page
	defer func() {
		for _, t := range tabs {
			t.Close()
		}
	}()
	for len(queue) > 0 && len(s.Walked) < walkPages && ctx.Err() == nil {
		var wave []string
		for len(wave) < walkTabs && len(s.Walked)+len(wave) < walkPages {
			i := nextLink(queue, opened)
			if i < 0 {
				break
			}
			wave = append(wave, queue[i])
			opened[pageShape(queue[i])]++
			queue = append(queue[:i], queue[i+1:]...)
		}
		if len(wave) == 0 {
			break
		}
		for len(tabs) < len(wave) {
			t, err := s.walkTab(ctx)
			if err != nil {
				break
			}
			tabs = append(tabs, t)
		}
		// The links no tab could open go back to the queue, not opened: NotWalked lists them if none is.
		if n := min(len(wave), len(tabs)); n < len(wave) {
			for _, l := range wave[n:] {
				opened[pageShape(l)]--
			}
			queue = append(slices.Clone(wave[n:]), queue...)
			wave = wave[:n]
		}
		if len(wave) == 0 {
			break
		}
		found := make([][]string, len(wave))
		var wg sync.WaitGroup
		for i, l := range wave {
			wg.Go(func() {
				_ = tabs[i].rod.Timeout(walkSettle).Navigate(l)
				tabs[i].settle(walkSettle)
				found[i] = tabs[i].links(avoidLinks, walkLinks)
			})
		}
		wg.Wait()
		for i, l := range wave {
			s.Walked = append(s.Walked, l)
			enqueue(found[i])
		}
	}
	for _, l := range queue {
		if opened[pageShape(l)] == 0 {
			s.NotWalked = append(s.NotWalked, l)
		}
	}
	s.Traffic = s.Context.appTraffic(s.Page, s.from)
	for _, t := range tabs {
		s.Traffic = append(s.Traffic, s.Context.appTraffic(t, 0)...)
	}
}

// walkTab opens a tab in the session's context that starts each document of the landing page's origin with the
// sessionStorage the session had after login: an app that keeps its token there is still logged in, as in a tab
// the app opened itself.
func (s *Session) walkTab(ctx context.Context) (*Page, error) {
	p, err := s.Context.NewPage(ctx)
	if err != nil || len(s.Storage) == 0 {
		return p, err
	}
	u, err := url.Parse(s.LandingURL)
	if err != nil {
		return p, nil
	}
	kv, _ := json.Marshal(s.Storage)
	origin, _ := json.Marshal(u.Scheme + "://" + u.Host)
	if _, err := p.rod.EvalOnNewDocument(`(() => { if (location.origin !== ` + string(origin) + `) return; const kv = ` + string(kv) +
		`; for (const [k, v] of Object.entries(kv)) if (sessionStorage.getItem(k) === null) sessionStorage.setItem(k, v) })()`); err != nil {
		p.Close()
		return nil, s.Context.engine.explain(err)
	}
	return p, nil
}

// Open loads u in a new tab of the session (its cookies and sessionStorage, see walkTab) and waits for it to
// settle: a second look at the app as the account, without logging in again. The caller closes the tab; the
// session's own tab is left as it is.
func (s *Session) Open(ctx context.Context, u string) (*Page, error) {
	p, err := s.walkTab(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Goto(u); err != nil {
		p.Close()
		return nil, s.Context.engine.explain(err)
	}
	p.settle(walkSettle)
	return p, nil
}

// nextLink picks the first link of a shape not opened yet that names an object (/feeds/3/edit), else the first of
// any shape not opened yet, else the first whose shape may be opened again; -1 when every link left is of a shape
// already opened walkPerShape times. Object pages come first because they are what the ID swap replays: on a
// server-rendered app with a long menu (Miniflux: starred, history, search, settings, ...) the menu's pages took
// the whole bound and left a feed's settings page, with its credentials, unread.
func nextLink(queue []string, opened map[string]int) int {
	plain, again := -1, -1
	for i, l := range queue {
		shape := pageShape(l)
		switch n := opened[shape]; {
		case n == 0 && strings.Contains(shape, "{id}"):
			return i
		case n == 0 && plain < 0:
			plain = i
		case n > 0 && n < walkPerShape && again < 0:
			again = i
		}
	}
	if plain >= 0 {
		return plain
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
	shape := pathShape(u)
	// A hash router's page (#/collections?id=…) is a page of its own, shaped the same way.
	if r := HashRoute(raw); r != "" {
		if ru, err := url.Parse(strings.TrimPrefix(r, "!")); err == nil {
			shape += "#" + pathShape(ru)
		}
	}
	return shape
}

func pathShape(u *url.URL) string {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, s := range segs {
		if anyID.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	keys := slices.Sorted(maps.Keys(u.Query()))
	return "/" + strings.Join(segs, "/") + "?" + strings.Join(keys, "&")
}

// HashRoute is the route in a URL's fragment when a hash router put it there ("/projects/31" of
// "/app/#/projects/31", "!/inbox" of "#!/inbox"), "" for a plain in-page anchor.
func HashRoute(raw string) string {
	_, frag, ok := strings.Cut(raw, "#")
	if ok && (strings.HasPrefix(frag, "/") || strings.HasPrefix(frag, "!/")) {
		return frag
	}
	return ""
}

// pageKey is the page a URL opens: the URL without its fragment, unless the fragment is a hash router's route.
func pageKey(raw string) string {
	base, _, _ := strings.Cut(raw, "#")
	if r := HashRoute(raw); r != "" {
		return base + "#" + r
	}
	return base
}

// links returns up to n distinct same-origin link targets on the page, skipping those matching avoid.
func (p *Page) links(avoid string, n int) []string {
	return p.evalStrings(`(avoid, n) => { const re = new RegExp(avoid, 'i'); const out = [];
		const route = h => { const i = h.indexOf('#'); const f = i < 0 ? '' : h.slice(i + 1); return f.startsWith('/') || f.startsWith('!/') ? f : '' };
		const key = h => { const r = route(h); return h.split('#')[0] + (r ? '#' + r : '') };
		const seen = new Set([key(location.href)]);
		for (const a of document.querySelectorAll('a[href]')) {
			const href = key(a.href);
			// An in-page anchor (#top) of the page itself, whatever route it is on.
			if (a.href.includes('#') && !route(a.href) && a.href.split('#')[0] === location.href.split('#')[0]) continue;
			if (a.origin !== location.origin || seen.has(href) || re.test(a.pathname + ' ' + route(a.href) + ' ' + a.innerText) || a.hasAttribute('download')) continue;
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
	return p.rec.ended(), nil
}
