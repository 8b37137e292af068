package testapps

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mode picks how an app behaves.
type Mode int

const (
	// Flawed has no login rate limit, crashes with a stack trace on broken input and reads any body whole.
	Flawed Mode = iota
	// Fixed allows 5 failed logins per minute per client IP and account (then 429 with Retry-After: 60), answers
	// 400 to broken input and 413 to a body over 1 MiB.
	Fixed
)

func (m Mode) String() string {
	if m == Fixed {
		return "fixed"
	}
	return "flawed"
}

// Account is a test account of an app.
type Account struct{ Email, Password string }

// App is one running test app.
type App struct {
	Name   string // "spa", "nextstyle", "serverforms", "tracker", "graphql", "redirects"
	URL    string // "https://127.0.0.1:PORT/"
	A, B   Account
	Server *httptest.Server
	// Private holds, per account email, values only that account's data contains (project notes, invoice
	// numbers...); nil for the apps without an ID-swap flaw.
	Private map[string][]string
	// Mutations counts the GraphQL mutation operations received: browser ones (User-Agent with "Mozilla/") and all
	// others; nil for the apps without GraphQL.
	Mutations func() (browser, other int)
	// DeliverTo points the app's outgoing mail at the SMTP server on addr ("127.0.0.1:PORT"); nil for apps that send no mail.
	DeliverTo func(addr string)

	mu   sync.Mutex
	reqs []request
}

type request struct{ method, path, line string }

// RequestLines returns every request the app received, in order, each as method + " " + request URI.
func (a *App) RequestLines() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, len(a.reqs))
	for i, r := range a.reqs {
		out[i] = r.line
	}
	return out
}

// Count returns how many requests with this method and path were received.
func (a *App) Count(method, path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, r := range a.reqs {
		if r.method == method && r.path == path {
			n++
		}
	}
	return n
}

// start serves h over HTTPS on 127.0.0.1, recording every request line before routing.
func start(t testing.TB, name string, a, b Account, h http.Handler) *App {
	app := &App{Name: name, A: a, B: b}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app.mu.Lock()
		app.reqs = append(app.reqs, request{r.Method, r.URL.Path, r.Method + " " + r.URL.RequestURI()})
		app.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	app.Server = srv
	app.URL = srv.URL + "/"
	return app
}

// project is one private project of an account.
type project struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type user struct {
	email, password, name string
	projects              []project
}

// users is an app's account store.
type users struct {
	mu      sync.Mutex
	byEmail map[string]*user
	nextID  int
}

// newUsers holds a and b, each owning two projects (aProjects, bProjects).
func newUsers(a, b Account, aProjects, bProjects [2]string) *users {
	u := &users{byEmail: map[string]*user{}}
	for i, acc := range []Account{a, b} {
		names := [][2]string{aProjects, bProjects}[i]
		us := &user{email: acc.Email, password: acc.Password, name: strings.SplitN(acc.Email, "@", 2)[0]}
		for _, n := range names {
			u.nextID++
			us.projects = append(us.projects, project{u.nextID, n})
		}
		u.byEmail[strings.ToLower(acc.Email)] = us
	}
	return u
}

// check returns the account when email and password match one.
func (u *users) check(email, password string) (*user, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	us := u.byEmail[strings.ToLower(strings.TrimSpace(email))]
	if us == nil || subtle.ConstantTimeCompare([]byte(us.password), []byte(password)) != 1 {
		return nil, false
	}
	return us, true
}

// add creates an account with no projects; false when the email is taken.
func (u *users) add(email, password, name string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	key := strings.ToLower(strings.TrimSpace(email))
	if u.byEmail[key] != nil {
		return false
	}
	u.byEmail[key] = &user{email: strings.TrimSpace(email), password: password, name: name}
	return true
}

// get returns a copy of the account's data.
func (u *users) get(email string) user {
	u.mu.Lock()
	defer u.mu.Unlock()
	if us := u.byEmail[strings.ToLower(email)]; us != nil {
		c := *us
		c.projects = append([]project{}, us.projects...)
		return c
	}
	return user{email: email, projects: []project{}}
}

// sessions maps random ids (bearer tokens, session cookies) to a value.
type sessions[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

func newSessions[V any]() *sessions[V] { return &sessions[V]{m: map[string]V{}} }

func (s *sessions[V]) add(v V) string {
	id := randHex(32)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = v
	return id
}

func (s *sessions[V]) get(id string) (V, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	return v, ok
}

func (s *sessions[V]) set(id string, v V) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = v
}

func (s *sessions[V]) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// limiter counts attempts per key in a sliding window. A nil limiter (Flawed mode) allows everything.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	hits   map[string][]time.Time
}

// newLimiter returns the Fixed mode's limiter (5 per minute), nil in Flawed mode.
func newLimiter(mode Mode) *limiter {
	if mode != Fixed {
		return nil
	}
	return &limiter{max: 5, window: time.Minute, hits: map[string][]time.Time{}}
}

// take counts one attempt for key, or returns false when key already has max in the window. Counting before the
// outcome is known keeps concurrent bursts from slipping through; a login that succeeds gives its attempt back.
func (l *limiter) take(key string) bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	kept := l.hits[key][:0]
	for _, t := range l.hits[key] {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	if len(kept) >= l.max {
		l.hits[key] = kept
		return false
	}
	l.hits[key] = append(kept, now)
	return true
}

// give takes back the latest attempt of key (the login succeeded).
func (l *limiter) give(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if h := l.hits[key]; len(h) > 0 {
		l.hits[key] = h[:len(h)-1]
	}
}

// limitKey is the client IP and the lowercased email.
func limitKey(r *http.Request, email string) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return ip + " " + strings.ToLower(strings.TrimSpace(email))
}

// esc escapes text for HTML text and double-quoted attributes (apostrophes stay as they are).
var esc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace

// secureCookie is an HttpOnly, Secure, SameSite=Lax cookie on Path=/.
func secureCookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
}
