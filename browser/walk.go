package browser

import (
	"context"
	"time"
)

// Walk bounds: how many of the landing page's links are visited, and how long each may take to settle.
const (
	walkLinks  = 4
	walkSettle = 3 * time.Second
)

// avoidLinks keeps the walk passive and the session alive: no logout, no destructive GET links, no downloads.
const avoidLinks = `log ?out|sign ?out|logout|signout|sign_out|log_out|delete|remove|destroy|unsubscribe|cancel|revoke|\.(pdf|zip|csv|xlsx?)$`

// Walk visits up to a few same-origin links the landing page offers, so the app's API traffic for its main views
// is recorded, then returns to the landing page and captures the session's traffic.
func (s *Session) Walk(ctx context.Context) {
	links := s.Page.links(avoidLinks, walkLinks)
	for _, l := range links {
		if ctx.Err() != nil {
			break
		}
		_ = s.Page.rod.Timeout(walkSettle).Navigate(l)
		s.Page.settle(walkSettle)
	}
	if len(links) > 0 && s.LandingURL != "" {
		_ = s.Page.rod.Timeout(walkSettle).Navigate(s.LandingURL)
		s.Page.settle(walkSettle)
	}
	s.Traffic = s.Page.Traffic()
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
