package browser

import (
	"context"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
	"github.com/launchready/launchready/audit/ledger"
)

// Page is a tab in a context, kept inside the scope, recording its traffic.
type Page struct {
	rod    *rod.Page
	rec    *recorder
	router *rod.HijackRouter
}

// pageTimeout bounds any single wait on a page.
const pageTimeout = 15 * time.Second

// NewPage opens a tab that refuses out-of-scope requests and records its traffic.
func (c *Context) NewPage(ctx context.Context) (*Page, error) {
	rp, err := c.rod.Page(proto.TargetCreateTarget{})
	if err != nil {
		return nil, c.engine.explain(err)
	}
	rp = rp.Context(ctx)
	p := &Page{rod: rp}
	if p.rec, err = record(rp); err != nil {
		rp.Close()
		return nil, c.engine.explain(err)
	}
	p.router = rp.HijackRequests()
	p.router.Add("*", "", func(h *rod.Hijack) {
		u := h.Request.URL()
		ok, third, auth := c.allows(u)
		switch {
		case !ok:
			c.engine.note(c.engine.blocked, u)
			h.Response.Fail(proto.NetworkErrorReasonBlockedByClient)
		case c.engine.opts.Refuse != nil && c.engine.opts.Refuse(u) != nil:
			// A form without a script handler, submitted as GET, would put the password in the URL.
			c.engine.note(c.engine.refused, u)
			h.Response.Fail(proto.NetworkErrorReasonBlockedByClient)
		case auth: // the identity provider, while logging in: not the app, so not counted as sent to it
			c.engine.note(c.engine.authVia, u)
			h.ContinueRequest(&proto.FetchContinueRequest{})
		default:
			if third {
				c.engine.note(c.engine.allowed, u)
			} else {
				ledger.Count(ctx, ledger.Browser)
			}
			h.ContinueRequest(&proto.FetchContinueRequest{})
		}
	})
	go p.router.Run()
	return p, nil
}

// Close closes the tab.
func (p *Page) Close() {
	_ = p.router.Stop()
	_ = p.rod.Close()
}

// Rod gives the underlying rod page, for the few callers that need more than this package offers.
func (p *Page) Rod() *rod.Page { return p.rod }

// Traffic returns every exchange the page has recorded.
func (p *Page) Traffic() []Exchange { return p.rec.exchanges() }

// Goto navigates and waits for the document to be parsed and the app's requests to settle. It does not wait for
// images: a slow hero image must not slow the audit (LCP measures that separately).
func (p *Page) Goto(u string) error {
	wait := p.rod.Timeout(pageTimeout).WaitRequestIdle(300*time.Millisecond, nil, nil, nil)
	if err := p.rod.Timeout(pageTimeout).Navigate(u); err != nil {
		return err
	}
	wait()
	return p.domReady(pageTimeout)
}

// domReady waits until the document is parsed (DOMContentLoaded), not for every image.
func (p *Page) domReady(d time.Duration) error {
	return p.rod.Timeout(d).Wait(rod.Eval(`() => document.readyState !== 'loading'`))
}

// URL is the page's current address.
func (p *Page) URL() string {
	info, err := p.rod.Info()
	if err != nil {
		return ""
	}
	return info.URL
}

// settle waits until the page's requests have been quiet for a moment, up to d.
func (p *Page) settle(d time.Duration) {
	wait := p.rod.Timeout(d).WaitRequestIdle(300*time.Millisecond, nil, nil, nil)
	wait()
	_ = p.domReady(d)
}

// Storage reads localStorage and sessionStorage of the page's origin.
func (p *Page) Storage() (local, session map[string]string, err error) {
	res, err := p.rod.Timeout(5 * time.Second).Eval(`() => {
		const dump = s => { const o = {}; try { for (let i = 0; i < s.length; i++) { const k = s.key(i); o[k] = s.getItem(k) } } catch (e) {} ; return o }
		return { local: dump(window.localStorage), session: dump(window.sessionStorage) }
	}`)
	if err != nil {
		return nil, nil, err
	}
	local, session = map[string]string{}, map[string]string{}
	for k, v := range res.Value.Get("local").Map() {
		local[k] = v.Str()
	}
	for k, v := range res.Value.Get("session").Map() {
		session[k] = v.Str()
	}
	return local, session, nil
}

// Cookies returns the cookies the browser holds for the given URLs.
func (p *Page) Cookies(urls ...string) ([]*proto.NetworkCookie, error) {
	return p.rod.Cookies(urls)
}

// Eval runs a JavaScript function expression on the page and returns its result as text.
func (p *Page) Eval(js string) (string, error) {
	res, err := p.rod.Timeout(5 * time.Second).Eval(js)
	if err != nil {
		return "", err
	}
	return res.Value.String(), nil
}

// evalStrings runs a script that returns a list of strings (nil when it fails).
func (p *Page) evalStrings(js string, args ...any) []string {
	res, err := p.rod.Timeout(3*time.Second).Eval(js, args...)
	if err != nil {
		return nil
	}
	var out []string
	for _, v := range res.Value.Arr() {
		out = append(out, v.Str())
	}
	return out
}
