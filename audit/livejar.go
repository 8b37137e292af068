package audit

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/launchready/launchready/browser"
)

// liveJarFresh is how long the cookies read from a browser context serve before they are read again, and liveJarWait
// how long a request waits for a read under way.
const (
	liveJarFresh = 250 * time.Millisecond
	liveJarWait  = time.Second
)

// liveJar is the cookie jar of a session the browser holds: a request carries the cookies the account's browser
// context holds when it is sent, so an app that replaces its session cookie as its pages load is replayed with the
// cookie it gave last, not the one it gave at login (Directus refreshes its session cookie on every page load and
// refuses the one before it 10 s later: the walk's pages alone outlived a cookie read at login). What the app sets in
// answer to the audit's own requests is kept too, and sent while it is newer than the browser's value of that
// cookie. Once the context is closed, the cookies last read are sent.
type liveJar struct {
	c *browser.Context

	mu      sync.Mutex
	gone    bool                 // the context could not be read: closed, or the browser is gone; not asked again
	read    time.Time            // when the context's cookies were last read
	reading chan struct{}        // closed when the read under way ends; nil when none is
	seen    http.CookieJar       // the context's cookies as last read
	values  map[[2]string]string // each cookie's value as last read, by its name and domain
	changed map[string]time.Time // when the browser's value of a cookie (by name) last changed
	own     http.CookieJar       // what answers to the audit's own requests set
	ownAt   map[string]time.Time // when an answer last set (or removed) a cookie, by name
}

// newLiveJar starts from the cookies the login left (what is sent if the context cannot be read).
func newLiveJar(c *browser.Context, atLogin []*proto.NetworkCookie) *liveJar {
	j := &liveJar{c: c, values: map[[2]string]string{}, changed: map[string]time.Time{}, ownAt: map[string]time.Time{}}
	j.own, _ = cookiejar.New(nil)
	j.take(atLogin, time.Time{})
	return j
}

// take makes cks the browser's cookies as last read, noting which changed since the read before (at now).
func (j *liveJar) take(cks []*proto.NetworkCookie, now time.Time) {
	values := map[[2]string]string{}
	for _, ck := range cks {
		key := [2]string{ck.Name, ck.Domain}
		values[key] = ck.Value
		if old, ok := j.values[key]; !ok || old != ck.Value {
			j.changed[ck.Name] = now
		}
	}
	for key := range j.values {
		if _, ok := values[key]; !ok { // gone from the browser: a change too
			j.changed[key[0]] = now
		}
	}
	j.values, j.seen = values, jarOf(cks)
}

// Cookies are the browser's cookies for u, read again when older than liveJarFresh, each replaced by the one an
// answer to the audit set later, if any.
func (j *liveJar) Cookies(u *url.URL) []*http.Cookie {
	j.refresh()
	j.mu.Lock()
	defer j.mu.Unlock()
	own := map[string]*http.Cookie{}
	for _, ck := range j.own.Cookies(u) {
		own[ck.Name] = ck
	}
	var out []*http.Cookie
	for _, ck := range j.seen.Cookies(u) {
		if at, set := j.ownAt[ck.Name]; set && at.After(j.changed[ck.Name]) {
			if o := own[ck.Name]; o != nil { // the app's later answer to the audit; removed when it removed it
				out = append(out, o)
			}
			delete(own, ck.Name)
			continue
		}
		out = append(out, ck)
		delete(own, ck.Name)
	}
	for _, ck := range own { // set only by answers to the audit
		out = append(out, ck)
	}
	return out
}

// refresh reads the context's cookies again when the last read is older than liveJarFresh. One read at a time, and
// not under the jar's lock: the requests that come meanwhile wait for it at most liveJarWait, then go with the
// cookies last read (a browser busy with a heavy page answers slowly; the audit's requests do not queue behind it).
func (j *liveJar) refresh() {
	j.mu.Lock()
	if j.gone || time.Since(j.read) < liveJarFresh {
		j.mu.Unlock()
		return
	}
	wait := j.reading
	if wait == nil {
		wait = make(chan struct{})
		j.reading = wait
		go func() {
			cks, err := j.c.Cookies()
			j.mu.Lock()
			now := time.Now()
			j.read = now
			if err == nil {
				j.take(cks, now)
			} else {
				j.gone = true
			}
			j.reading = nil
			j.mu.Unlock()
			close(wait)
		}()
	}
	j.mu.Unlock()
	select {
	case <-wait:
	case <-time.After(liveJarWait):
	}
}

// SetCookies keeps what the app set in answer to the audit's own request.
func (j *liveJar) SetCookies(u *url.URL, cks []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now()
	for _, ck := range cks {
		j.ownAt[ck.Name] = now
	}
	j.own.SetCookies(u, cks)
}

// jarOf is a cookie jar holding the browser's cookies, each under its own domain and path.
func jarOf(cks []*proto.NetworkCookie) http.CookieJar {
	jar, _ := cookiejar.New(nil)
	byURL := map[string][]*http.Cookie{}
	for _, ck := range cks {
		scheme := "http"
		if ck.Secure {
			scheme = "https"
		}
		u := scheme + "://" + strings.TrimPrefix(ck.Domain, ".") + ck.Path
		hc := &http.Cookie{Name: ck.Name, Value: ck.Value, Path: ck.Path, Secure: ck.Secure, HttpOnly: ck.HTTPOnly}
		if strings.HasPrefix(ck.Domain, ".") { // a domain cookie stays one: sent to the domain's other hosts too
			hc.Domain = ck.Domain[1:]
		}
		byURL[u] = append(byURL[u], hc)
	}
	for raw, list := range byURL {
		if u, err := url.Parse(raw); err == nil {
			jar.SetCookies(u, list)
		}
	}
	return jar
}
