package demo

import (
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed static/app.js
var appJS []byte

type user struct {
	ID        int
	Email     string
	Name      string
	pwHash    [32]byte
	Community int
	Admin     bool
	Verified  bool
	// legacyHash is the password hash of an older scheme that still logs in (the old-password flaw leaves it).
	legacyHash [32]byte
}

type community struct {
	ID   int
	Slug string
	Name string
}

type post struct {
	AuthorID  int    `json:"-"`
	ID        int    `json:"id"`
	Community int    `json:"community_id"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	Author    string `json:"author"`
}

// app is the community platform. Its state lives in memory for the life of the process.
type app struct {
	flaws       Flaws
	origin      string // https origin, the only one the hardened CORS policy allows
	plainOrigin string // http origin of the same app

	mu            sync.Mutex
	users         []*user
	communities   []community
	posts         []post
	sessions      map[string]int // session token -> user ID
	resets        map[string]pending
	invites       map[string]pending
	verifications map[string]pending
	outbox        []Mail // mail the app sent
	smtpAddr      string // where the app delivers its mail ("" keeps it in the outbox only)
	writes        atomic.Int64
	hits          map[string]int         // "POST /login" -> requests received
	failures      map[string][]time.Time // rate-limit windows by key
	planted       plantedSecrets
}

func newApp(flaws Flaws, accounts []DemoAccount) *app {
	a := &app{flaws: flaws, sessions: map[string]int{}, resets: map[string]pending{}, invites: map[string]pending{}, verifications: map[string]pending{}, planted: plant(),
		hits: map[string]int{}, failures: map[string][]time.Time{}}
	a.communities = []community{{1, "acme", "Acme Builders"}, {2, "globex", "Globex Guild"}}
	a.users = []*user{
		{ID: 1, Email: accounts[0].Email, Name: "Alice Example", pwHash: hashPassword(accounts[0].Password), Community: 1, Verified: true},
		{ID: 2, Email: accounts[1].Email, Name: "Bob Sample", pwHash: hashPassword(accounts[1].Password), Community: 2, Verified: true},
		// The platform's owner: an admin whose password nobody has, so both audited accounts are normal users.
		{ID: 3, Email: "owner@demo.test", Name: "Olive Owner", pwHash: hashPassword(randomSecret()), Community: 1, Admin: true, Verified: true},
	}
	a.posts = []post{
		{1, 1, 1, "Acme roadmap Q3", "Private plans of the Acme community.", "Alice Example"},
		{1, 2, 1, "Welcome to Acme", "Rules and introductions.", "Alice Example"},
		{2, 3, 2, "Globex pricing draft", "Private pricing notes of Globex.", "Bob Sample"},
	}
	return a
}

func hashPassword(p string) [32]byte { return sha256.Sum256([]byte("demo-salt:" + p)) }

func (a *app) has(f Flaw) bool { return a.flaws[f] }

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.loginPage)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("GET /c/{slug}", a.communityPage)
	mux.HandleFunc("GET /static/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(appJS)
		if a.has(FlawSourceMap) {
			w.Write([]byte("\n//# sourceMappingURL=app.js.map\n"))
		}
	})
	mux.HandleFunc("GET /static/config.js", a.configJS)
	mux.HandleFunc("GET /rest/v1/{$}", a.restDescribe)
	mux.HandleFunc("GET /rest/v1/{table}", a.restTable)
	if a.has(FlawSourceMap) {
		mux.HandleFunc("GET /static/app.js.map", a.sourceMap)
	}
	if a.has(FlawDebugEndpoint) {
		mux.HandleFunc("GET /debug", a.debugDump)
	}
	mux.HandleFunc("GET /signup", a.signupPage)
	mux.HandleFunc("POST /signup", a.signup)
	mux.HandleFunc("GET /forgot-password", a.forgotPage)
	mux.HandleFunc("POST /forgot-password", a.forgot)
	mux.HandleFunc("GET /verify", a.verify)
	mux.HandleFunc("GET /settings/members", a.membersPage)
	mux.HandleFunc("POST /settings/members", a.invitePost)
	mux.HandleFunc("GET /reset", a.resetPage)
	mux.HandleFunc("POST /reset", a.reset)
	mux.HandleFunc("GET /admin", a.admin)
	mux.HandleFunc("GET /invite/{token}", a.acceptInvitePage)
	mux.HandleFunc("POST /invite/{token}", a.acceptInvite)
	mux.HandleFunc("GET /static/logo.svg", a.asset("image/svg+xml", []byte(logoSVG), 0))
	mux.HandleFunc("GET /static/hero.png", a.asset("image/png", heroPNG, a.heroDelay()))
	mux.HandleFunc("GET /api/token", a.apiToken)
	mux.HandleFunc("GET /api/me", a.apiMe)
	mux.HandleFunc("GET /api/communities/{id}/members", a.apiMembers)
	mux.HandleFunc("POST /api/invites", a.apiInvite)
	mux.HandleFunc("GET /api/communities/{id}/export", a.apiExport)
	mux.HandleFunc("GET /api/admin/users", a.apiAdminUsers)
	mux.HandleFunc("GET /api/communities/{id}/posts", a.apiPosts)
	mux.HandleFunc("GET /api/posts/{id}", a.apiPost)
	mux.HandleFunc("POST /api/communities/{id}/posts", a.apiCreatePost)
	mux.HandleFunc("PUT /api/posts/{id}", a.apiUpdatePost)
	mux.HandleFunc("PATCH /api/posts/{id}", a.apiUpdatePost)
	mux.HandleFunc("DELETE /api/posts/{id}", a.apiDeletePost)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		a.apiError(w, http.StatusNotFound, "no such endpoint", fmt.Errorf("route %s not registered in /srv/demo/internal/api/router.go:88", r.URL.Path))
	})
	if !a.has(FlawNoHealth) {
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"status":"ok"}`))
		})
	}
	if a.has(FlawExposedEnv) {
		mux.HandleFunc("GET /.env", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "NODE_ENV=production\nDATABASE_URL=postgres://demo:demo-db-password@db.internal:5432/community\nSMTP_PASSWORD=demo-smtp-password\nSESSION_SECRET=demo-session-secret\n")
		})
	}
	if a.has(FlawExposedGit) {
		mux.HandleFunc("GET /.git/config", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:acme/community.git\n")
		})
		mux.HandleFunc("GET /.git/HEAD", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "ref: refs/heads/main\n")
		})
	}
	// Like most single-page apps, every other path answers with the app shell.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		a.home(w, r)
	})
	return a.withHeaders(mux)
}

// withHeaders sets the security headers (or not, per flaw) and the CORS policy on every answer.
func (a *app) withHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.TLS != nil && !a.has(FlawNoHSTS) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if !a.has(FlawNoCSP) {
			csp := "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
			if !a.has(FlawNoFrameGuard) {
				csp += "; frame-ancestors 'none'"
			}
			h.Set("Content-Security-Policy", csp)
		}
		if !a.has(FlawNoFrameGuard) {
			h.Set("X-Frame-Options", "DENY")
		}
		if !a.has(FlawNoNosniff) {
			h.Set("X-Content-Type-Options", "nosniff")
		}
		if a.has(FlawLeakyReferrer) {
			h.Set("Referrer-Policy", "unsafe-url")
		} else {
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		}
		if a.has(FlawServerVersion) {
			h.Set("Server", "nginx/1.18.0 (Ubuntu)")
			h.Set("X-Powered-By", "Express 4.17.1")
		}
		if strings.HasPrefix(r.URL.Path, "/api/") && a.cors(w, r) {
			return
		}
		a.hit(r)
		defer func() {
			if p := recover(); p != nil { // a handler crashed: 500, with the stack when errors are verbose
				a.apiError(w, http.StatusInternalServerError, "internal error", fmt.Errorf("panic: %v", p))
			}
		}()
		if !a.has(FlawNoBodyLimit) {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}

// maxBody is the most a request body may carry (hardened).
const maxBody = 64 << 10

// cors applies the API's CORS policy; it reports true when it answered a preflight itself.
func (a *app) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	h := w.Header()
	h.Add("Vary", "Origin")
	allowed := origin != "" && (origin == a.origin || a.has(FlawCORSReflect))
	if allowed {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		if allowed {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
		}
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// debugStack is what a Go app in debug mode prints: a goroutine trace with the server's source paths. It is fixed
// text, so that the demo's reports are the same from run to run.
const debugStack = `goroutine 87 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
github.com/acme/community/internal/api.(*Server).apiError(0xc0001a2000, {0x9a4f20, 0xc0003b6000}, 0x1f4)
	/srv/demo/internal/api/errors.go:41 +0x1d3
github.com/acme/community/internal/api.(*Server).handlePosts(0xc0001a2000, {0x9a4f20, 0xc0003b6000}, 0xc0003c4000)
	/srv/demo/internal/api/posts.go:112 +0x2a5
net/http.HandlerFunc.ServeHTTP(...)
	/usr/local/go/src/net/http/server.go:2294
`

// apiError answers an API error; with verbose errors on, it leaks what a debug build would.
func (a *app) apiError(w http.ResponseWriter, status int, msg string, cause error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"error": msg}
	if a.has(FlawVerboseErrors) && cause != nil {
		body["detail"] = cause.Error()
		body["stack"] = debugStack
	}
	json.NewEncoder(w).Encode(body)
}

func (a *app) currentUser(r *http.Request) *user {
	ck, err := r.Cookie("sid")
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	id, ok := a.sessions[ck.Value]
	if !ok || id == 0 {
		return nil
	}
	for _, u := range a.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · Community</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body{{if .Community}} data-community="{{.Community}}"{{end}}{{if .StoreToken}} data-store-token="1"{{end}}{{if .RenderHTML}} data-render="html"{{end}}>
<header><a href="/"><img src="{{.Logo}}" alt="Community" width="24" height="24"></a> · {{if .User}}<span id="me">{{.User}}</span> · <a href="/settings/members">Members</a> <form method="post" action="/logout" style="display:inline"><button>Log out</button></form>{{else}}<a href="/login">Log in</a> · <a href="/signup">Sign up</a>{{end}}</header>
<main>{{if .Hero}}<img src="/static/hero.png" alt="" width="320" height="240" style="width:100%;height:auto;display:block">{{end}}<h1>{{.Title}}</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
{{if .Message}}<p role="status">{{.Message}}</p>{{end}}
{{with .Form}}<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{$.CSRF}}">
{{range .Fields}}<label>{{.Label}} <input type="{{.Type}}" name="{{.Name}}" autocomplete="{{.Auto}}" required></label>
{{end}}<button type="submit">{{.Submit}}</button></form>{{end}}
{{if .Links}}<p>{{range .Links}}<a href="{{.Href}}">{{.Text}}</a> {{end}}</p>{{end}}
{{if .Community}}<p id="members"></p><ul id="feed"></ul><p><a href="/api/communities/{{.Community}}/export">Export members</a></p>{{end}}
</main>{{if .Analytics}}<script src="https://analytics.tracker.test/collect.js" async></script>{{end}}<script src="/static/config.js"></script><script src="/static/app.js"></script></body></html>`))

type field struct{ Label, Type, Name, Auto string }

type form struct {
	Action, Submit string
	Fields         []field
}

type link struct{ Href, Text string }

var (
	loginForm = &form{Action: "/login", Submit: "Log in", Fields: []field{
		{"Email", "email", "email", "username"}, {"Password", "password", "password", "current-password"}}}
	signupForm = &form{Action: "/signup", Submit: "Create account", Fields: []field{
		{"Name", "text", "name", "name"}, {"Email", "email", "email", "email"}, {"Password", "password", "password", "new-password"}}}
	forgotForm = &form{Action: "/forgot-password", Submit: "Send reset link", Fields: []field{{"Email", "email", "email", "email"}}}
)

type pageData struct {
	Title, User, Error, Message, CSRF string
	Logo                              string
	Hero, StoreToken, RenderHTML      bool
	Analytics                         bool // a third-party script on the page
	Form                              *form
	Links                             []link
	Community                         int
}

func (a *app) render(w http.ResponseWriter, status int, d pageData) {
	d.Logo = "/static/logo.svg"
	if a.has(FlawMixedContent) {
		d.Logo = a.plainOrigin + "/static/logo.svg"
	}
	d.StoreToken = d.Community != 0 && a.has(FlawTokenInStorage)
	d.RenderHTML = a.has(FlawStoredXSS)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	page.Execute(w, d)
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	d := pageData{Title: "Welcome", Hero: r.URL.Path == "/"}
	if u := a.currentUser(r); u != nil {
		d.User, d.Community = u.Email, u.Community
	}
	a.render(w, http.StatusOK, d)
}

func (a *app) loginPage(w http.ResponseWriter, r *http.Request) {
	// Like many frameworks, the app gives every visitor an (anonymous) session before login.
	if _, err := r.Cookie("sid"); err != nil {
		anon := randomSecret() + randomSecret()
		a.mu.Lock()
		a.sessions[anon] = 0
		a.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: anon, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	}
	a.render(w, http.StatusOK, pageData{Title: "Log in", Form: loginForm, CSRF: randomSecret(),
		Links: []link{{"/forgot-password", "Forgot your password?"}, {"/signup", "Create an account"}}})
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	email, password, ok := a.credentials(w, r)
	if !ok {
		return
	}
	if !a.has(FlawNoLoginLimit) && a.limited(w, "login:"+strings.ToLower(email), "login-ip:"+clientIP(r)) {
		return
	}
	var found *user
	a.mu.Lock()
	for _, u := range a.users {
		h := hashPassword(password)
		if strings.EqualFold(u.Email, email) && (subtle.ConstantTimeCompare(u.pwHash[:], h[:]) == 1 || subtle.ConstantTimeCompare(u.legacyHash[:], h[:]) == 1) {
			found = u
		}
	}
	a.mu.Unlock()
	if found == nil {
		a.failed("login:"+strings.ToLower(email), "login-ip:"+clientIP(r))
		msg := "Wrong email or password."
		if a.has(FlawEnumeration) {
			if a.userByEmail(email) == nil {
				msg = "There is no account with that email."
			} else {
				msg = "Wrong password."
			}
		}
		a.render(w, http.StatusUnauthorized, pageData{Title: "Log in", Form: loginForm, Error: msg, CSRF: randomSecret()})
		return
	}
	if !found.Verified && !a.has(FlawNoVerification) {
		a.render(w, http.StatusForbidden, pageData{Title: "Log in", Form: loginForm, Error: "Confirm your email first: we sent you a link.", CSRF: randomSecret()})
		return
	}
	a.startSession(w, r, found)
}

// startSession issues a session cookie for u and sends them to their community.
func (a *app) startSession(w http.ResponseWriter, r *http.Request, u *user) {
	token := randomSecret() + randomSecret()
	a.mu.Lock()
	if old, err := r.Cookie("sid"); err == nil {
		if _, anon := a.sessions[old.Value]; anon && a.has(FlawFixation) {
			token = old.Value // the visitor's pre-login ID becomes the account's session: fixation
		} else {
			delete(a.sessions, old.Value)
		}
	}
	a.sessions[token] = u.ID
	slug := a.communityOf(u).Slug
	a.mu.Unlock()
	ck := &http.Cookie{Name: "sid", Value: token, Path: "/", MaxAge: 7 * 24 * 3600}
	if a.has(FlawLongSession) {
		ck.MaxAge = 180 * 24 * 3600
	}
	if !a.has(FlawCookieFlags) {
		ck.HttpOnly, ck.Secure, ck.SameSite = true, true, http.SameSiteLaxMode
	}
	http.SetCookie(w, ck)
	http.Redirect(w, r, "/c/"+slug, http.StatusSeeOther)
}

// communityOf returns u's community; a.mu must be held.
func (a *app) communityOf(u *user) community {
	for _, c := range a.communities {
		if c.ID == u.Community {
			return c
		}
	}
	return community{}
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie("sid"); err == nil && !a.has(FlawLogoutKeeps) {
		a.mu.Lock()
		delete(a.sessions, ck.Value)
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: "sid", Path: "/", MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) communityPage(w http.ResponseWriter, r *http.Request) {
	u := a.currentUser(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	a.mu.Lock()
	c := a.communityOf(u)
	a.mu.Unlock()
	if c.Slug != r.PathValue("slug") {
		http.Redirect(w, r, "/c/"+c.Slug, http.StatusSeeOther)
		return
	}
	a.render(w, http.StatusOK, pageData{Title: c.Name, User: u.Email, Community: u.Community})
}

func (a *app) apiMe(w http.ResponseWriter, r *http.Request) {
	u := a.apiUser(w, r)
	if u == nil {
		return
	}
	writeJSON(w, map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "community_id": u.Community, "admin": u.Admin})
}

// parseID reads a numeric path value; verbose errors show what a SQL-backed app would leak.
func (a *app) parseID(w http.ResponseWriter, r *http.Request) (int, bool) {
	raw := r.PathValue("id")
	id, err := strconv.Atoi(raw)
	if err != nil {
		a.apiError(w, http.StatusInternalServerError, "internal error",
			fmt.Errorf("pq: invalid input syntax for type integer: %q (SELECT * FROM posts WHERE community_id = $1)", raw))
		return 0, false
	}
	return id, true
}

// apiUser returns the logged-in user of an API request, or answers 401 and returns nil.
func (a *app) apiUser(w http.ResponseWriter, r *http.Request) *user {
	u := a.currentUser(r)
	if u == nil {
		a.apiError(w, http.StatusUnauthorized, "log in first", nil)
	}
	return u
}

// ownCommunity reads the community ID of the path and checks the caller belongs to it: the app's one tenant check.
// A flaw that skips the check for one endpoint passes skip.
func (a *app) ownCommunity(w http.ResponseWriter, r *http.Request, skip ...Flaw) (int, bool) {
	u := a.apiUser(w, r)
	if u == nil {
		return 0, false
	}
	id, ok := a.parseID(w, r)
	if !ok {
		return 0, false
	}
	for _, f := range skip {
		if a.has(f) {
			return id, true
		}
	}
	if id != u.Community {
		a.apiError(w, http.StatusNotFound, "not found", nil)
		return 0, false
	}
	return id, true
}

func (a *app) apiPosts(w http.ResponseWriter, r *http.Request) {
	if a.has(FlawSlowAPI) {
		time.Sleep(700 * time.Millisecond) // an unindexed query
	}
	id, ok := a.ownCommunity(w, r)
	if !ok {
		return
	}
	out := []post{}
	a.mu.Lock()
	for _, p := range a.posts {
		if p.Community == id {
			out = append(out, p)
		}
	}
	a.mu.Unlock()
	writeJSON(w, out)
}

func (a *app) apiPost(w http.ResponseWriter, r *http.Request) {
	u := a.apiUser(w, r)
	if u == nil {
		return
	}
	id, ok := a.parseID(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.posts {
		if p.ID == id && p.Community != 0 && (p.Community == u.Community || a.has(FlawIDORPost)) {
			writeJSON(w, p)
			return
		}
	}
	a.apiError(w, http.StatusNotFound, "not found", nil)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
