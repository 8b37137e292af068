package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// browserState is the audit's one Chromium and the accounts logged in with it, each made on first use.
type browserState struct {
	anonOnce sharedOnce
	anon     []browser.Exchange
	anonErr  error
	once     sync.Once
	engine   *browser.Engine
	err      error
	shots    string
	mu       sync.Mutex
	sessions map[string]*browserOnce
}

type browserOnce struct {
	once sharedOnce
	s    *browser.Session
	err  error
}

// ErrNoBrowser wraps browser.ErrNotFound for checks that need the browser.
var ErrNoBrowser = browser.ErrNotFound

// Browser returns the audit's Chromium, launched on first use inside the plan's scope.
func (t *Target) Browser() (*browser.Engine, error) {
	b := &t.browser
	b.once.Do(func() {
		bin, err := browser.Find()
		if err != nil {
			b.err = err
			return
		}
		b.shots, _ = os.MkdirTemp("", "launchready-screenshots-")
		opts := t.browserOptions(bin)
		opts.ScreenshotDir = b.shots
		b.engine, b.err = browser.Launch(t.life, opts)
	})
	return b.engine, b.err
}

// browserOptions keep a browser of the audit inside the plan: its hosts (the auth hosts only while signing in),
// its resolve entries and trust, and no password in a URL.
func (t *Target) browserOptions(bin string) browser.Options {
	resolve, _ := t.Plan.ResolveMap()
	return browser.Options{
		Bin: bin, Scope: t.Plan.Hosts(), Allow: t.Plan.Allow, Resolve: resolve, AuthHosts: t.Plan.AuthHosts,
		IgnoreCertErrors: t.Plan.TLS.CAFile != "" || t.Plan.TLS.Insecure,
		Refuse:           t.Probe.CheckURL,
	}
}

// BrowserSession logs the plan's account ("a" or "b") in through the browser and walks the app, once per audit.
// Checks share the session and must not log it out (FreshBrowserSession is for that).
func (t *Target) BrowserSession(ctx context.Context, who string) (*browser.Session, error) {
	b := &t.browser
	b.mu.Lock()
	if b.sessions == nil {
		b.sessions = map[string]*browserOnce{}
	}
	so, ok := b.sessions[who]
	if !ok {
		so = &browserOnce{}
		b.sessions[who] = so
	}
	b.mu.Unlock()
	so.once.do(ctx, func() {
		work := t.Shared(ctx, "log in as "+strings.ToUpper(who)+" and walk the app")
		so.s, so.err = t.FreshBrowserSession(work, who)
		if so.err == nil {
			so.s.Walk(work)
			t.learnBrowserSecrets(so.s)
		}
	})
	return so.s, so.err
}

// AnonymousVisit is what the app's first page loads for a visitor who is not logged in, seen by the browser once
// per audit.
func (t *Target) AnonymousVisit(ctx context.Context) ([]browser.Exchange, error) {
	b := &t.browser
	b.anonOnce.do(ctx, func() {
		engine, err := t.Browser()
		if err != nil {
			b.anonErr = err
			return
		}
		c, err := engine.NewContext("anonymous")
		if err != nil {
			b.anonErr = err
			return
		}
		defer c.Close()
		b.anon, b.anonErr = c.Visit(t.Shared(ctx, "anonymous visit"), t.App.String())
	})
	return b.anon, b.anonErr
}

// FreshBrowserSession logs the account in again in a new incognito context, without the walk, the way the plan
// says it signs in: the password typed (and its one-time code), a sign-in link by mail, or its saved session
// opened anew. For checks that end the session they use (logout).
func (t *Target) FreshBrowserSession(ctx context.Context, who string) (*browser.Session, error) {
	acc := t.account(who)
	if acc == nil {
		return nil, errNoAccount(who)
	}
	if !acc.Renewable() { // the saved session first: without one there is nothing to open a browser for
		if _, err := t.savedState(t.outliving(ctx), who); err != nil {
			return nil, err
		}
	}
	engine, err := t.Browser()
	if err != nil {
		return nil, err
	}
	var s *browser.Session
	switch acc.Method() {
	case LoginPassword:
		s, err = t.passwordSession(ctx, who, acc, engine)
	case LoginMagicLink:
		s, err = t.magicLinkSession(t.outliving(ctx), who, acc, engine)
	default: // storage_state, login: manual
		s, err = t.resumeSession(t.outliving(ctx), who, engine)
	}
	if err != nil {
		return nil, err
	}
	t.learnBrowserSecrets(s)
	return s, nil
}

// passwordSession types the account's password (and one-time code) into the login form.
func (t *Target) passwordSession(ctx context.Context, who string, acc *Account, engine *browser.Engine) (*browser.Session, error) {
	_, password, err := t.credentials(who)
	if err != nil {
		return nil, err
	}
	t.Probe.NeverInURL(password)
	c, err := engine.NewContext(who)
	if err != nil {
		return nil, err
	}
	s, err := c.Login(t.outliving(ctx), who, t.loginStart().String(), browser.Credentials{Email: acc.Email, Password: password, TOTP: t.totpCode(acc)})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("account %s: logging in with the browser: %w", who, err)
	}
	return s, nil
}

// learnBrowserSecrets registers what the login handed the browser — cookie values, stored tokens, Authorization
// headers — so none of it can come back out as evidence.
func (t *Target) learnBrowserSecrets(s *browser.Session) {
	red := t.Probe.Redactor()
	for _, ck := range s.Cookies {
		red.Add(ck.Value)
	}
	for _, v := range StoredValues(s) {
		switch {
		case !v.InRecord: // Web Storage: every value of some length, as a token may be under any name
			if len(v.Value) >= 16 {
				red.Add(v.Value)
			}
		case TokenField(v.Key) && opaqueValue.MatchString(v.Value):
			red.Add(v.Value)
		default: // inside an IndexedDB record only what is a token: its text may be anything
			for _, j := range jwtInValue.FindAllString(v.Value, -1) {
				red.Add(j)
			}
		}
	}
	for rec := range s.IndexedDB { // a store keyed by its tokens would show them in every Where
		if k := recordKey(rec); opaqueValue.MatchString(k) && !lettersOnly.MatchString(k) {
			red.Add(k)
		}
	}
	for _, x := range s.Traffic {
		if v := x.RequestHeader["authorization"]; v != "" {
			red.Add(probe.Credential(v))
		}
	}
	if _, v := CSRFHeader(s); len(v) >= 16 {
		red.Add(v)
	}
}

// AuthHeader returns the Authorization header the app's own requests carried after login, if any.
func AuthHeader(s *browser.Session) string {
	for _, x := range s.Traffic {
		if v := x.RequestHeader["authorization"]; v != "" && x.IsAPI() {
			return v
		}
	}
	return ""
}

// FromBrowser turns a browser session into one the probe can send: the cookies its browser context holds as each
// request goes (a liveJar: an app that replaces its session cookie as pages load is followed), its Authorization
// header, and the anti-CSRF header its scripts send (CSRFHeader).
func FromBrowser(who string, s *browser.Session) *Session { return fromBrowser(who, "", s, true) }

// FrozenFromBrowser is FromBrowser with the cookies as they were at login, whatever the browser does after: the old
// credentials a check replays once the session has been ended (a logout, a password reset) to see they no longer
// work.
func FrozenFromBrowser(who string, s *browser.Session) *Session {
	return fromBrowser(who, "", s, false)
}

func fromBrowser(who, email string, s *browser.Session, live bool) *Session {
	jar := jarOf(s.Cookies)
	if live && s.Context != nil {
		jar = newLiveJar(s.Context, s.Cookies)
	}
	out := &Session{Account: who, Email: email, Jar: jar, LoginPage: s.LoginPage, Landing: s.LandingURL, Traffic: s.Traffic, Header: http.Header{}}
	before := map[string]string{}
	for _, ck := range s.Before {
		before[ck.Name] = ck.Value
		out.Before = append(out.Before, &http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	for _, ck := range s.Cookies {
		if v, ok := before[ck.Name]; !ok || v != ck.Value {
			out.Cookies = append(out.Cookies, httpCookie(ck))
		}
	}
	if v := AuthHeader(s); v != "" {
		out.Header.Set("Authorization", v)
	}
	if k, v := CSRFHeader(s); k != "" {
		out.Header.Set(k, v)
	}
	return out
}

// httpCookie converts a cookie of the browser's jar, attributes included.
func httpCookie(ck *proto.NetworkCookie) *http.Cookie {
	c := &http.Cookie{Name: ck.Name, Value: ck.Value, Domain: ck.Domain, Path: ck.Path, Secure: ck.Secure, HttpOnly: ck.HTTPOnly}
	if !ck.Session && ck.Expires > 0 {
		c.Expires = time.Unix(int64(ck.Expires), 0)
	}
	switch ck.SameSite {
	case proto.NetworkCookieSameSiteStrict:
		c.SameSite = http.SameSiteStrictMode
	case proto.NetworkCookieSameSiteLax:
		c.SameSite = http.SameSiteLaxMode
	case proto.NetworkCookieSameSiteNone:
		c.SameSite = http.SameSiteNoneMode
	}
	return c
}

// BrowserOutcome turns a failed browser session into the result a check reports.
func BrowserOutcome(err error) Result {
	switch {
	case errors.Is(err, browser.ErrNotFound):
		return Undecided("this check needs a browser: " + err.Error())
	case errors.Is(err, ErrNoAccount):
		return NotRun(err.Error())
	}
	return Undecided(err.Error())
}

// ThirdParty lists what the app's pages tried to load from hosts outside the plan (blocked), and from the plan's
// allow-list (loaded), as "URL (n×)" lines: the checklist's "review third-party scripts".
func (t *Target) ThirdParty() (blocked, allowed []string) {
	if t.browser.engine == nil {
		return nil, nil
	}
	b, a := t.browser.engine.ThirdParty()
	return countLines(b), countLines(a)
}

// Stalled lists what held the browser's waits on a page (opened, a form sent) to their limit, as "what (n×)" lines:
// where an audit's time went that the app could give back.
func (t *Target) Stalled() []string {
	if t.browser.engine == nil {
		return nil
	}
	return countLines(t.browser.engine.Stalled())
}

// AuthPages lists the auth hosts' pages the browser went through to log in, as "URL (n×)" lines.
func (t *Target) AuthPages() []string {
	if t.browser.engine == nil {
		return nil
	}
	return countLines(t.browser.engine.AuthVisits())
}

func countLines(m map[string]int) []string {
	var out []string
	for u, n := range m {
		out = append(out, fmt.Sprintf("%s (%d×)", u, n))
	}
	sort.Strings(out)
	return out
}

// closeBrowser ends the browser, if one was started, and every process it ran.
func (t *Target) closeBrowser() {
	if t.browser.engine != nil {
		_ = t.browser.engine.Close()
	}
	if t.browser.shots != "" {
		_ = os.Remove(t.browser.shots) // only if no screenshot was left there for the user
	}
}

// Stored is one value the login left where any script of the app's pages can read it.
type Stored struct {
	Where string // for people: `localStorage "auth_token"`, `IndexedDB db › store › "key", field a.b`
	Key   string // the name it is kept under: the storage key, the record's key, or the JSON field's own name
	Value string
	// InRecord is set for a string inside an IndexedDB record: Key is then a field name of the app's data, where
	// TokenField, not any name with "auth" in it, says whether it holds a token (author, authDomain do not).
	InRecord bool
}

var (
	jwtInValue   = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`)
	opaqueValue  = regexp.MustCompile(`^[A-Za-z0-9+/=_.\-%]{16,}$`)
	lettersOnly  = regexp.MustCompile(`^[A-Za-z]+$`)
	tokenFieldRe = regexp.MustCompile(`(?i)(tokens?|jwts?|secrets?)$|^(sid|sess|session|session_?id|session_?key)$`)
)

// TokenField reports whether a field name inside stored data names a token: accessToken, refresh_token, idToken,
// jwt, sessionId; not author, authDomain or accessLevel.
func TokenField(name string) bool { return tokenFieldRe.MatchString(name) }

// recordKey is the key part of an IndexedDB record's name ("db › store › key"), unquoted when it is a JSON string.
func recordKey(rec string) string {
	k := rec[strings.LastIndex(rec, " › ")+len(" › "):]
	var str string
	if json.Unmarshal([]byte(k), &str) == nil {
		return str
	}
	return k
}

// StoredValues lists what the login left in Web Storage and IndexedDB: every localStorage and sessionStorage
// entry, and every string inside an IndexedDB record under the name of its field (a record that is one string, or
// no JSON, under the record's key), in a stable order.
func StoredValues(s *browser.Session) []Stored {
	var out []Stored
	for _, w := range []struct {
		name string
		m    map[string]string
	}{{"localStorage", s.Local}, {"sessionStorage", s.Storage}} {
		for _, k := range slices.Sorted(maps.Keys(w.m)) {
			out = append(out, Stored{Where: fmt.Sprintf("%s %q", w.name, k), Key: k, Value: w.m[k]})
		}
	}
	for _, rec := range slices.Sorted(maps.Keys(s.IndexedDB)) {
		var v any
		if json.Unmarshal([]byte(s.IndexedDB[rec]), &v) != nil {
			out = append(out, Stored{Where: "IndexedDB " + rec, Key: recordKey(rec), Value: s.IndexedDB[rec]})
			continue
		}
		if str, ok := v.(string); ok { // localforage, idb-keyval: the record's key names the value
			out = append(out, Stored{Where: "IndexedDB " + rec, Key: recordKey(rec), Value: str})
			continue
		}
		out = append(out, jsonStrings("IndexedDB "+rec, "", "", v)...)
	}
	return out
}

// JSONStrings lists the strings inside a JSON value kept at where (a Web Storage entry's), each as a Stored in a
// record: where it is ("…, field a.b"), the name of the field that holds it, its value.
func JSONStrings(where string, v any) []Stored { return jsonStrings(where, "", "", v) }

// jsonStrings lists the strings inside a JSON value with the path of fields that leads to each; an array's
// strings go by the name of the field that holds the array.
func jsonStrings(where, path, name string, v any) []Stored {
	switch v := v.(type) {
	case string:
		at := where
		if path != "" {
			at = where + ", field " + path
		}
		return []Stored{{Where: at, Key: name, Value: v, InRecord: true}}
	case map[string]any:
		var out []Stored
		for _, k := range slices.Sorted(maps.Keys(v)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			out = append(out, jsonStrings(where, p, k, v[k])...)
		}
		return out
	case []any:
		var out []Stored
		for i, e := range v {
			p := strconv.Itoa(i)
			if path != "" {
				p = path + "." + p
			}
			out = append(out, jsonStrings(where, p, name, e)...)
		}
		return out
	}
	return nil
}
