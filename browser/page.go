package browser

import (
	"context"
	"errors"
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
	engine *Engine
}

// pageTimeout bounds any single wait on a page.
const pageTimeout = 15 * time.Second

// NewPage opens a tab that refuses out-of-scope requests and records its traffic.
func (c *Context) NewPage(ctx context.Context) (*Page, error) { return c.newPage(ctx, true) }

// newPage opens a tab; settles says whether its waits may end sooner on the page's word (see quiet), which needs a
// script of ours in each document: not in a tab that measures the page (LCP), where nothing of ours runs.
func (c *Context) newPage(ctx context.Context, settles bool) (*Page, error) {
	rp, err := c.rod.Page(proto.TargetCreateTarget{})
	if err != nil {
		return nil, c.engine.explain(err)
	}
	rp = rp.Context(ctx)
	p := &Page{rod: rp, engine: c.engine}
	if p.rec, err = record(rp); err != nil {
		rp.Close()
		return nil, c.engine.explain(err)
	}
	if settles {
		if _, err := rp.EvalOnNewDocument(trackTimers); err != nil {
			rp.Close()
			return nil, c.engine.explain(err)
		}
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
				ledger.Count(ctx, ledger.Browser, h.Request.Method(), u)
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
	since := time.Now()
	if err := p.rod.Timeout(pageTimeout).Navigate(u); err != nil {
		return err
	}
	p.quiet(since, 300*time.Millisecond, pageTimeout, false)
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
	p.quiet(time.Now(), 300*time.Millisecond, d, false)
	_ = p.domReady(d)
}

// Storage reads localStorage and sessionStorage of the page's origin. A storage the page may not read (a
// sandboxed document, storage blocked) is an error, not an empty storage.
func (p *Page) Storage() (local, session map[string]string, err error) {
	res, err := p.rod.Timeout(5 * time.Second).Eval(`() => {
		const errs = [];
		const dump = (name, get) => { const o = {}; try { const s = get(); for (let i = 0; i < s.length; i++) { const k = s.key(i); o[k] = s.getItem(k) } } catch (e) { errs.push(name + ': ' + e) } ; return o }
		return { local: dump('localStorage', () => window.localStorage), session: dump('sessionStorage', () => window.sessionStorage), errs: errs.join('; ') }
	}`)
	if err != nil {
		return nil, nil, err
	}
	if why := res.Value.Get("errs").Str(); why != "" {
		err = errors.New(why)
	}
	local, session = map[string]string{}, map[string]string{}
	for k, v := range res.Value.Get("local").Map() {
		local[k] = v.Str()
	}
	for k, v := range res.Value.Get("session").Map() {
		session[k] = v.Str()
	}
	return local, session, err
}

// IndexedDB bounds: databases, stores per database, records per store, characters per record and per key, in all,
// and the time the read may take. What a bound leaves unread is said, never passed over in silence.
const (
	idbDatabases = 10
	idbStores    = 20
	idbRecords   = 200
	idbValueCap  = 256 << 10
	idbKeyCap    = 200
	idbTotalCap  = 2 << 20
	idbBudget    = 3 * time.Second
)

// readIndexedDB reads the origin's IndexedDB databases without changing them: only databases the browser lists
// are opened, at their current version (an open that would create or upgrade one is aborted, which undoes it),
// read-only, one record at a time with a cursor, and each connection closes as soon as the app asks for a new
// version. It returns what it read and, in errs, what it could not read or left for a bound.
const readIndexedDB = `async (maxDB, maxStores, maxRecords, cap, keyCap, totalCap, budgetMs) => {
	const out = {}, errs = [], started = Date.now();
	let total = 0;
	const bound = () => total > totalCap ? 'the ' + totalCap + '-character bound' : Date.now() - started > budgetMs ? 'the time bound' : '';
	if (!window.indexedDB) return { out, errs: '' };
	if (!indexedDB.databases) return { out, errs: 'this browser cannot list IndexedDB databases' };
	let dbs;
	try { dbs = await indexedDB.databases() } catch (e) { return { out, errs: String(e) } }
	// Where auth libraries keep their tokens first (firebaseLocalStorageDb, auth0spajs, ...), before app caches.
	const likely = d => /auth|token|session|user|firebaseLocalStorage/i.test(d.name || '') ? 0 : 1;
	dbs.sort((a, b) => likely(a) - likely(b));
	if (dbs.length > maxDB) errs.push((dbs.length - maxDB) + ' more databases not read (bound of ' + maxDB + ')');
	for (const d of dbs.slice(0, maxDB)) {
		if (bound()) { errs.push(d.name + ' and the databases after it not read (' + bound() + ')'); break }
		let db;
		try {
			db = await new Promise((ok, no) => {
				const r = indexedDB.open(d.name);
				r.onupgradeneeded = () => { r.transaction.abort(); no(new Error('gone before it was read')) };
				r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); r.onblocked = () => no(new Error('blocked'));
			});
		} catch (e) { errs.push(d.name + ': ' + e); continue }
		db.onversionchange = () => db.close();
		try {
			const names = [...db.objectStoreNames];
			if (names.length > maxStores) errs.push(d.name + ': ' + (names.length - maxStores) + ' more stores not read (bound of ' + maxStores + ')');
			for (const s of names.slice(0, maxStores)) {
				if (bound()) { errs.push(d.name + ' › ' + s + ' and after it not read (' + bound() + ')'); break }
				await new Promise((ok, no) => {
					const r = db.transaction(s, 'readonly').objectStore(s).openCursor();
					let n = 0;
					r.onerror = () => no(r.error);
					r.onsuccess = () => {
						const c = r.result;
						if (!c) return ok();
						if (n >= maxRecords || bound()) { errs.push(d.name + ' › ' + s + ': the records after the first ' + n + ' not read (' + (bound() || 'bound of ' + maxRecords) + ')'); return ok() }
						n++;
						let v, key;
						try { v = JSON.stringify(c.value) } catch (e) { v = String(c.value) }
						if (v === undefined) v = 'undefined';
						try { key = JSON.stringify(c.key) } catch (e) { key = String(c.key) }
						if (key.length > keyCap) key = key.slice(0, keyCap) + '…';
						if (v.length > cap) { errs.push(d.name + ' › ' + s + ': a record over ' + cap + ' characters read in part'); v = v.slice(0, cap) }
						total += v.length + key.length;
						out[d.name + ' › ' + s + ' › ' + key] = v;
						c.continue();
					};
				});
			}
		} catch (e) { errs.push(d.name + ': ' + e) }
		db.close();
	}
	return { out, errs: errs.join('; ') };
}`

// IndexedDB reads what the page's origin keeps in IndexedDB, keyed "database › store › key", each value as JSON,
// within the bounds above. What it could not read, or left for a bound, is an error next to what it read.
func (p *Page) IndexedDB() (map[string]string, error) {
	res, err := p.rod.Timeout(idbBudget+2*time.Second).Eval(readIndexedDB, idbDatabases, idbStores, idbRecords, idbValueCap, idbKeyCap,
		idbTotalCap, idbBudget.Milliseconds())
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range res.Value.Get("out").Map() {
		out[k] = v.Str()
	}
	if why := res.Value.Get("errs").Str(); why != "" {
		return out, errors.New(why)
	}
	return out, nil
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
