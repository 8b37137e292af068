package browser

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"
)

// Options configure one browser for one audit.
type Options struct {
	Bin     string   // the browser binary (Find)
	Scope   []string // host names the browser may load from
	Allow   []string // extra hosts the app's pages may load from (its CDN, fonts): allowed, listed as third-party
	Resolve map[string]string
	// IgnoreCertErrors accepts untrusted certificates: only when the plan trusts a staging CA or says insecure; the
	// certificate is judged separately by transport.tls-cert.
	IgnoreCertErrors bool
	// ScreenshotDir is where failed logins leave a screenshot.
	ScreenshotDir string
	// Refuse, when set, stops any request it returns an error for: a URL carrying a password.
	Refuse func(*url.URL) error
	// AuthHosts are the hosts of a hosted login page or identity provider: a context may load them only while it
	// logs an account in (Context.Login and the manual window), never otherwise.
	AuthHosts []string
	// Visible opens a window a person can use (the manual login); the audit's own browser is always headless.
	Visible bool
	// ForceHeadless keeps a Visible browser headless: tests drive the manual-login path with a scripted user.
	ForceHeadless bool
}

// Engine is the one Chromium of an audit.
type Engine struct {
	opts     Options
	launcher *launcher.Launcher
	rod      *rod.Browser
	userDir  string

	mu      sync.Mutex
	blocked map[string]int // out-of-scope URLs (scheme://host/path) the browser was stopped from loading
	allowed map[string]int // allow-listed third-party URLs it loaded
	refused map[string]int // in-scope URLs stopped because they carried a password (scheme://host/path)
	authVia map[string]int // pages of the auth hosts the browser went through while logging in (scheme://host/path)
	stalled map[string]int // what held a page's wait to its limit: a request that never ended, or kept coming
	closed  bool
}

// Launch starts a headless Chromium in a fresh profile. Close must be called; if this process dies instead,
// leakless takes the browser down with it.
func Launch(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Bin == "" {
		return nil, ErrNotFound
	}
	dir, err := os.MkdirTemp("", "launchready-chromium-")
	if err != nil {
		return nil, err
	}
	l := launcher.New().Context(ctx).Bin(opts.Bin).UserDataDir(dir).Headless(!opts.Visible || opts.ForceHeadless).Leakless(true).
		Set("disable-gpu").Set("disable-quic").Set("disable-component-update").Set("disable-extensions").
		Set("no-default-browser-check").Set("mute-audio").Set("password-store", "basic").
		Set("host-resolver-rules", resolverRules(opts)).
		// Every window of Chromium's new headless mode has its omnibox popups rendered as web pages in renderers of
		// their own (chrome://omnibox-popup.top-chrome/, two per tab in Chromium 156): half the browser's CPU in
		// an audit's account flows, for a popup no one sees. Added to rod's own list, which stays.
		Append("disable-features", "WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
	// The sandbox only has to go where it cannot work: as root (typical in containers and CI).
	l = l.NoSandbox(os.Geteuid() == 0)
	if opts.IgnoreCertErrors {
		l = l.Set("ignore-certificate-errors")
	}
	controlURL, err := l.Launch()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w (is it a Chromium-family browser?)", opts.Bin, err)
	}
	b := rod.New().ControlURL(controlURL).Context(ctx)
	if err := b.Connect(); err != nil {
		l.Kill()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("connecting to %s: %w", opts.Bin, err)
	}
	return &Engine{opts: opts, launcher: l, rod: b, userDir: dir, blocked: map[string]int{}, allowed: map[string]int{}, refused: map[string]int{}, authVia: map[string]int{}, stalled: map[string]int{}}, nil
}

// resolverRules make every name outside the scope unresolvable inside Chromium (service workers, prefetches and
// popups included), and map the plan's resolve entries. Request interception on each page also refuses IP
// literals outside the scope.
func resolverRules(opts Options) string {
	// A plan's resolve entry maps host:port; Chromium's rule maps the name (the port stays the URL's).
	seen := map[string]bool{}
	var rules []string
	for from, to := range opts.Resolve {
		host, _, err := net.SplitHostPort(from)
		addr, _, err2 := net.SplitHostPort(to)
		if err != nil || err2 != nil || seen[host] {
			continue
		}
		seen[host] = true
		rules = append(rules, "MAP "+host+" "+addr)
	}
	sort.Strings(rules)
	rules = append(rules, "MAP * ~NOTFOUND")
	// EXCLUDE exempts a name from every MAP rule, the ones above included: only unmapped in-scope names get one.
	for _, h := range append(append(append([]string{}, opts.Scope...), opts.Allow...), opts.AuthHosts...) {
		if !seen[h] {
			rules = append(rules, "EXCLUDE "+h)
		}
	}
	return strings.Join(rules, ", ")
}

// PID is the browser's process ID.
func (e *Engine) PID() int { return e.launcher.PID() }

// UserDataDir is the profile folder of this browser, unique to it (tests find its processes by it).
func (e *Engine) UserDataDir() string { return e.userDir }

// Close ends the browser and every process it started, and removes its profile.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	done := make(chan struct{})
	go func() {
		_ = proto.BrowserClose{}.Call(e.rod)
		e.launcher.Cleanup() // waits for the process to exit, then removes the profile
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		e.launcher.Kill()
		<-done
	}
	return os.RemoveAll(e.userDir)
}

// inScope reports whether the browser may load u, and whether it is an allow-listed third party.
func (e *Engine) inScope(u *url.URL) (ok, thirdParty bool) {
	switch u.Scheme {
	case "data", "blob", "about", "chrome", "devtools":
		return true, false
	}
	switch {
	case hostIn(e.opts.Scope, u):
		return true, false
	case hostIn(e.opts.Allow, u):
		return true, true
	}
	return false, true
}

// hostIn reports whether u's host is one of hosts.
func hostIn(hosts []string, u *url.URL) bool {
	host := strings.Trim(u.Hostname(), "[].")
	for _, h := range hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

func (e *Engine) note(list map[string]int, u *url.URL) {
	key := u.Scheme + "://" + u.Host + u.Path
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(list) < 200 {
		list[key]++
	}
}

// isAuthHost reports whether u is on one of the plan's auth hosts.
func (e *Engine) isAuthHost(u *url.URL) bool { return hostIn(e.opts.AuthHosts, u) }

// AuthVisits lists the auth hosts' pages the browser went through while logging accounts in, with how many times.
func (e *Engine) AuthVisits() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.authVia)
}

// Stalled lists what held a page's wait (a page opened, a form sent, a logout) to its limit, with how many times:
// a request of the page's that never ended ("GET URL"), or requests that kept coming ("requests kept coming, the
// last GET URL"). Each such wait is seconds of the audit's time; the report says what held them.
func (e *Engine) Stalled() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.stalled)
}

func (e *Engine) noteStalled(what string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.stalled) < 50 {
		e.stalled[what]++
	}
}

// ThirdParty lists what the app's pages tried to load from other hosts: blocked (outside the scope) and loaded
// (allow-listed), each with how many times.
func (e *Engine) ThirdParty() (blocked, allowed map[string]int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.blocked), maps.Clone(e.allowed)
}

// Context is one incognito browser context: an account's own cookie jar and storage.
type Context struct {
	engine *Engine
	rod    *rod.Browser
	Name   string
	// loggingIn opens the plan's auth hosts to the context's pages, only while it logs an account in.
	loggingIn atomic.Int32
}

// allows reports whether a page of the context may load u, whether u is a third party, and whether it is an
// auth host (allowed only while logging in).
func (c *Context) allows(u *url.URL) (ok, thirdParty, auth bool) {
	if ok, third := c.engine.inScope(u); ok {
		return true, third, false
	}
	if c.engine.isAuthHost(u) && c.loggingIn.Load() > 0 {
		return true, true, true
	}
	return false, true, false
}

// signingIn opens the auth hosts to the context until the returned function is called.
func (c *Context) signingIn() func() {
	c.loggingIn.Add(1)
	return func() { c.loggingIn.Add(-1) }
}

// NewContext opens an isolated incognito context.
func (e *Engine) NewContext(name string) (*Context, error) {
	inc, err := e.rod.Incognito()
	if err != nil {
		return nil, e.explain(err)
	}
	return &Context{engine: e, rod: inc, Name: name}, nil
}

// Close disposes of the context and its pages.
func (c *Context) Close() error { return c.rod.Close() }

// Cookies returns every cookie the context holds now, with its attributes.
func (c *Context) Cookies() ([]*proto.NetworkCookie, error) {
	cks, err := c.rod.Timeout(5 * time.Second).GetCookies()
	return cks, c.engine.explain(err)
}

// explain turns the errors of a dead browser into one a person can act on.
func (e *Engine) explain(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ne *net.OpError
	if errors.As(err, &ne) || strings.Contains(err.Error(), "websocket") || strings.Contains(err.Error(), "EOF") {
		return fmt.Errorf("the browser stopped answering (crashed or was killed): %w", err)
	}
	return err
}
