package testapps

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchready/launchready/audit/inbox"
	"github.com/pquerna/otp/totp"
)

var (
	// loginUUID is a project id.
	loginUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// loginHidden is a hidden field of the identity provider's form.
	loginHidden = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)">`)
	// loginMagic is the link of the magic-link mail.
	loginMagic = regexp.MustCompile(`^https://127\.0\.0\.1:\d+/auth/magic\?token=[0-9a-f]{64}$`)
	// loginLogout is the cookie apps' log-out control.
	loginLogout = `<form method="post" action="/logout"><button>Log out</button></form>`
)

// loginClient is an HTTP client of a login app: it trusts any certificate, keeps cookies, follows no redirects,
// dials idp.test at the identity provider (and nothing but 127.0.0.1 otherwise) and keeps the last Set-Cookie of
// every name with its attributes.
type loginClient struct {
	t     *testing.T
	app   *LoginApp
	c     *http.Client
	token string // the bearer app's token, sent as Authorization when set

	mu  sync.Mutex
	set map[string]*http.Cookie
}

type loginRoundTrip func(*http.Request) (*http.Response, error)

func (f loginRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func newLoginClient(t *testing.T, app *LoginApp) *loginClient {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			switch {
			case host == ssoIdPHost && app.IdPAddr != "":
				addr = app.IdPAddr
			case host != "127.0.0.1":
				return nil, fmt.Errorf("the test dials 127.0.0.1 only, not %s", addr)
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	jar, _ := cookiejar.New(nil)
	lc := &loginClient{t: t, app: app, set: map[string]*http.Cookie{}}
	lc.c = &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: loginRoundTrip(func(r *http.Request) (*http.Response, error) {
			resp, err := tr.RoundTrip(r)
			if err == nil {
				lc.mu.Lock()
				for _, c := range resp.Cookies() {
					lc.set[c.Name] = c
				}
				lc.mu.Unlock()
			}
			return resp, err
		})}
	return lc
}

// do sends one request to target (a path on the app, or an absolute URL) and returns the status, body and answer.
// hdr is pairs of header names and values.
func (lc *loginClient) do(method, target, ctype, body string, hdr ...string) (int, string, *http.Response) {
	lc.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = strings.TrimSuffix(lc.app.URL, "/") + target
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		lc.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if lc.token != "" {
		req.Header.Set("Authorization", "Bearer "+lc.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := lc.c.Do(req)
	if err != nil {
		lc.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

func (lc *loginClient) get(target string, hdr ...string) (int, string, *http.Response) {
	lc.t.Helper()
	return lc.do("GET", target, "", "", hdr...)
}

func (lc *loginClient) postForm(target string, v url.Values) (int, string, *http.Response) {
	lc.t.Helper()
	return lc.do("POST", target, "application/x-www-form-urlencoded", v.Encode())
}

// cookie is the last Set-Cookie of name the client received (nil if none).
func (lc *loginClient) cookie(name string) *http.Cookie {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return lc.set[name]
}

// redirected checks that the answer is a redirect to a location starting with prefix and returns the location.
func redirected(t *testing.T, what string, st int, resp *http.Response, prefix string) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	if st < 300 || st > 399 || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("%s: %d to %q, want a redirect to %s…", what, st, loc, prefix)
	}
	return loc
}

// TestLoginApps logs in as A each app's way, then checks the core's flaws: the project IDOR, the logout that leaves
// the session alive and the weak session cookie or token (Flawed), their absence (Fixed), and StorageState.
func TestLoginApps(t *testing.T) {
	for _, k := range []struct {
		name  string
		new   func(testing.TB, Mode) *LoginApp
		login func(*testing.T, *loginClient, Account)
	}{
		{"sso", SSOApp, ssoLogin},
		{"magic", MagicLinkApp, magicLogin},
		{"totp", TOTPApp, totpLogin},
		{"bearer", BearerSPA, bearerLogin},
	} {
		for _, mode := range []Mode{Flawed, Fixed} {
			t.Run(k.name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				app := k.new(t, mode)
				if app.Name != k.name || !strings.HasPrefix(app.URL, "https://127.0.0.1:") || !strings.HasSuffix(app.URL, "/") {
					t.Fatalf("app %q at %q", app.Name, app.URL)
				}
				for _, acc := range []Account{app.A, app.B} {
					if len(app.Private[acc.Email]) != 2 {
						t.Fatalf("private values of %s: %q", acc.Email, app.Private[acc.Email])
					}
				}
				if (app.DeliverTo != nil) != (k.name == "magic") || (app.IdPRequests != nil) != (k.name == "sso") ||
					(app.TOTPSecret != nil) != (k.name == "totp") {
					t.Errorf("DeliverTo, IdPRequests or TOTPSecret set on the wrong app")
				}
				loggedOut(t, app)
				a := newLoginClient(t, app)
				k.login(t, a, app.A)
				testLoginCore(t, app, mode, a)
			})
		}
	}
}

// loggedOut checks the answers to a visitor without a session.
func loggedOut(t *testing.T, app *LoginApp) {
	c := newLoginClient(t, app)
	for _, p := range []string{"/api/me", "/api/projects", "/api/projects/" + app.core.projects[0].ID} {
		if st, body, _ := c.get(p); st != 401 || strings.Contains(body, "Alice") {
			t.Errorf("logged out, GET %s: %d %s", p, st, body)
		}
	}
	if app.core.cookie == "" {
		return
	}
	if st, body, _ := c.get("/"); st != 200 || !strings.Contains(body, `<a href="/login">Sign in</a>`) || strings.Contains(body, loginLogout) {
		t.Errorf("logged-out landing page: %d %s", st, body)
	}
	st, _, resp := c.get("/projects/" + app.core.projects[0].ID)
	redirected(t, "logged out, a project page", st, resp, "/login")
}

// testLoginCore checks the core of app through a, signed in as A.
func testLoginCore(t *testing.T, app *LoginApp, mode Mode, a *loginClient) {
	// A's account and projects.
	if st, body, _ := a.get("/api/me"); st != 200 || !strings.Contains(body, `"email":"`+app.A.Email+`"`) {
		t.Fatalf("A's /api/me: %d %s", st, body)
	}
	own := projectsOf(t, a, app.Private[app.A.Email])
	cookieApp := app.core.cookie != ""
	if cookieApp {
		st, body, _ := a.get("/")
		if st != 200 || !strings.Contains(body, loginLogout) {
			t.Errorf("A's dashboard: %d %s", st, body)
		}
		for _, p := range own {
			if !strings.Contains(body, `<a href="/projects/`+p.ID+`">`+p.Name+`</a>`) {
				t.Errorf("A's dashboard does not link %s:\n%s", p.Name, body)
			}
		}
	}
	for _, p := range own {
		if st, body, _ := a.get("/api/projects/" + p.ID); st != 200 || !strings.Contains(body, p.Name) {
			t.Errorf("A's own project %s: %d %s", p.ID, st, body)
		}
		if st, body, _ := a.get("/projects/" + p.ID); cookieApp && (st != 200 || !strings.Contains(body, "<h1>"+p.Name+"</h1>")) {
			t.Errorf("A's own project page %s: %d %s", p.ID, st, body)
		}
	}

	// The session credential: weak in Flawed mode, strong in Fixed mode.
	var old string // A's session id or token
	if cookieApp {
		ck := a.cookie(app.core.cookie)
		if ck == nil {
			t.Fatalf("no %s cookie after the login", app.core.cookie)
		}
		old = ck.Value
		want := http.Cookie{Name: ck.Name, Value: ck.Value, Path: "/", MaxAge: loginFlawedAge, Secure: true, SameSite: http.SameSiteLaxMode}
		if mode == Fixed {
			want.MaxAge, want.HttpOnly = loginFixedAge, true
		}
		if ck.Path != want.Path || ck.MaxAge != want.MaxAge || ck.Secure != want.Secure || ck.HttpOnly != want.HttpOnly || ck.SameSite != want.SameSite {
			t.Errorf("session cookie %q, want %q", ck.String(), want.String())
		}
	} else {
		old = a.token
	}
	if n := map[Mode]int{Flawed: 8, Fixed: 64}[mode]; len(old) != n {
		t.Errorf("session %q: %d characters, want %d", old, len(old), n)
	}

	// StorageState: B's credential, minted on the server, works on a fresh client.
	b := newLoginClient(t, app)
	useStorageState(t, app, mode, b, app.B.Email)
	if st, body, _ := b.get("/api/me"); st != 200 || !strings.Contains(body, `"email":"`+app.B.Email+`"`) {
		t.Fatalf("B's /api/me with the storage state: %d %s", st, body)
	}
	theirs := projectsOf(t, b, app.Private[app.B.Email])

	// A reads B's project by its id: Flawed shows it, Fixed answers 404.
	for _, p := range theirs {
		paths := []string{"/api/projects/" + p.ID}
		if cookieApp {
			paths = append(paths, "/projects/"+p.ID)
		}
		for _, path := range paths {
			st, body, _ := a.get(path)
			leaked := strings.Contains(body, p.Name)
			if mode == Flawed && (st != 200 || !leaked) || mode == Fixed && (st != 404 || leaked) {
				t.Errorf("%s: A reads B's %s: %d %s", mode, path, st, body)
			}
		}
	}

	// Logout: the browser forgets the session; Flawed keeps it valid on the server, Fixed ends it.
	if cookieApp {
		st, _, resp := a.do("POST", "/logout", "application/x-www-form-urlencoded", "")
		redirected(t, "logout", st, resp, "/")
		if ck := a.cookie(app.core.cookie); ck == nil || ck.MaxAge >= 0 {
			t.Errorf("logout does not delete the cookie: %v", ck)
		}
		if st, body, _ := a.get("/"); st != 200 || !strings.Contains(body, `<a href="/login">Sign in</a>`) {
			t.Errorf("after logout, GET /: %d %s", st, body)
		}
	} else {
		if st, body, _ := a.do("POST", "/api/auth/logout", "", ""); st != 200 {
			t.Errorf("logout: %d %s", st, body)
		}
		a.token = ""
	}
	replay := newLoginClient(t, app)
	hdr := []string{"Authorization", "Bearer " + old}
	if cookieApp {
		hdr = []string{"Cookie", app.core.cookie + "=" + old}
	}
	st, body, _ := replay.get("/api/projects", hdr...)
	if alive := st == 200 && strings.Contains(body, own[0].Name); alive != (mode == Flawed) {
		t.Errorf("%s: the session after logout: %d %s", mode, st, body)
	}
	if cookieApp {
		st, body, _ := replay.get("/", hdr...)
		if dashboard := st == 200 && strings.Contains(body, loginLogout); dashboard != (mode == Flawed) {
			t.Errorf("%s: the dashboard after logout: %d %s", mode, st, body)
		}
	}
}

// projectsOf reads the client's /api/projects and checks the names are want, in order, with UUIDs for ids.
func projectsOf(t *testing.T, c *loginClient, want []string) []loginProject {
	t.Helper()
	st, body, _ := c.get("/api/projects")
	var ps []loginProject
	if st != 200 || json.Unmarshal([]byte(body), &ps) != nil || len(ps) != len(want) {
		t.Fatalf("/api/projects: %d %s", st, body)
	}
	for i, p := range ps {
		if p.Name != want[i] || !loginUUID.MatchString(p.ID) {
			t.Errorf("project %d: %+v, want %q with a UUID", i, p, want[i])
		}
	}
	return ps
}

// useStorageState checks app.StorageState(email) and gives its credential to c.
func useStorageState(t *testing.T, app *LoginApp, mode Mode, c *loginClient, email string) {
	t.Helper()
	raw := app.StorageState(email)
	var state storageState
	if err := json.Unmarshal(raw, &state); err != nil || state.Cookies == nil || state.Origins == nil {
		t.Fatalf("storage state %s: %v", raw, err)
	}
	if app.StorageState("nobody@example.test") != nil {
		t.Errorf("a storage state for an unknown account")
	}
	if app.core.cookie == "" {
		o := state.Origins
		if len(state.Cookies) != 0 || len(o) != 1 || o[0].Origin != strings.TrimSuffix(app.URL, "/") ||
			len(o[0].LocalStorage) != 1 || o[0].LocalStorage[0].Name != "auth_token" {
			t.Fatalf("storage state %s", raw)
		}
		c.token = o[0].LocalStorage[0].Value
		return
	}
	ck := state.Cookies
	if len(state.Origins) != 0 || len(ck) != 1 || ck[0].Name != app.core.cookie || ck[0].Domain != "127.0.0.1" || ck[0].Path != "/" ||
		!ck[0].Secure || ck[0].HTTPOnly != (mode == Fixed) || ck[0].SameSite != "Lax" ||
		ck[0].Expires < float64(time.Now().Add(time.Duration(app.core.maxAge()-60)*time.Second).Unix()) {
		t.Fatalf("storage state %s", raw)
	}
	u, _ := url.Parse(app.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: ck[0].Name, Value: ck[0].Value, Path: "/"}})
}

// ssoLogin signs in through the identity provider's form on idp.test, the way a browser does.
func ssoLogin(t *testing.T, c *loginClient, acc Account) {
	app := c.app
	if !strings.HasPrefix(app.IdPURL, "https://idp.test:") || !strings.HasSuffix(app.IdPURL, "/") || !strings.HasPrefix(app.IdPAddr, "127.0.0.1:") ||
		strings.TrimSuffix(strings.TrimPrefix(app.IdPURL, "https://idp.test:"), "/") != strings.TrimPrefix(app.IdPAddr, "127.0.0.1:") {
		t.Fatalf("IdPURL %q, IdPAddr %q", app.IdPURL, app.IdPAddr)
	}
	if st, body, _ := c.get("/login"); st != 200 || !strings.Contains(body, `href="/auth/start">Sign in with Acme ID</a>`) || strings.Contains(body, `type="password"`) {
		t.Fatalf("GET /login: %d %s", st, body)
	}
	st, _, resp := c.get("/auth/start")
	authorize := redirected(t, "/auth/start", st, resp, app.IdPURL+"authorize?")
	if ck := c.cookie("oauth_state"); ck == nil || ck.Value == "" || !ck.HttpOnly || ck.MaxAge <= 0 {
		t.Fatalf("oauth_state cookie %v", ck)
	}
	q, _ := url.ParseQuery(strings.SplitN(authorize, "?", 2)[1])
	if q.Get("client_id") != "app" || q.Get("redirect_uri") != app.URL+"auth/callback" || q.Get("state") != c.cookie("oauth_state").Value {
		t.Fatalf("authorize URL %s", authorize)
	}
	st, body, _ := c.get(authorize)
	if st != 200 || !strings.Contains(body, `<form method="post" action="/authorize">`) {
		t.Fatalf("the IdP's form: %d %s", st, body)
	}
	form := url.Values{}
	for _, m := range loginHidden.FindAllStringSubmatch(body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("state") != q.Get("state") || form.Get("redirect_uri") != q.Get("redirect_uri") {
		t.Fatalf("the IdP's hidden fields %v", form)
	}
	form.Set("email", acc.Email)
	form.Set("password", "wrong-password")
	if st, body, _ := c.postForm(app.IdPURL+"authorize", form); st != 200 || !strings.Contains(body, "Incorrect email or password.") {
		t.Fatalf("wrong password at the IdP: %d %s", st, body)
	}
	form.Set("password", acc.Password)
	st, _, resp = c.postForm(app.IdPURL+"authorize", form)
	callback := redirected(t, "the IdP's login", st, resp, app.URL+"auth/callback?")
	st, _, resp = c.get(callback)
	redirected(t, "/auth/callback", st, resp, "/")

	// The code is spent, and a callback whose state is not the cookie's is refused.
	other := newLoginClient(t, c.app)
	st, _, resp = other.get("/auth/start")
	fresh, _ := url.ParseQuery(strings.SplitN(redirected(t, "/auth/start", st, resp, app.IdPURL), "?", 2)[1])
	code, _ := url.ParseQuery(strings.SplitN(callback, "?", 2)[1])
	if st, _, _ := other.get("/auth/callback?" + url.Values{"code": {code.Get("code")}, "state": {fresh.Get("state")}}.Encode()); st != 400 {
		t.Errorf("a spent code: %d", st)
	}
	if st, _, _ := newLoginClient(t, c.app).get(strings.TrimPrefix(callback, strings.TrimSuffix(app.URL, "/"))); st != 400 {
		t.Errorf("a callback without the state cookie: %d", st)
	}
	// The IdP saw the browser's login only.
	for _, line := range app.IdPRequests() {
		if !strings.HasPrefix(line, "GET /authorize?") && line != "POST /authorize" {
			t.Errorf("IdP request %q", line)
		}
	}
	if n := len(app.IdPRequests()); n != 3 {
		t.Errorf("IdP requests %q", app.IdPRequests())
	}
}

// magicLogin asks for a sign-in link, reads it from an SMTP sink and opens it.
func magicLogin(t *testing.T, c *loginClient, acc Account) {
	app := c.app
	if acc.Password != "" {
		t.Fatalf("account %+v has a password", acc)
	}
	sink, err := inbox.StartSink("127.0.0.1:0", "inbox@example.test", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	app.DeliverTo(sink.Addr)
	st, body, _ := c.get("/login")
	if st != 200 || !strings.Contains(body, `<input type="email" name="email"`) || !strings.Contains(body, "Send me a sign-in link") || strings.Contains(body, `type="password"`) {
		t.Fatalf("GET /login: %d %s", st, body)
	}
	since := time.Now()
	for _, email := range []string{"nobody@magic.test", acc.Email} {
		if st, body, _ := c.postForm("/login", url.Values{"email": {email}}); st != 200 || !strings.Contains(body, "Check your email") {
			t.Fatalf("POST /login %s: %d %s", email, st, body)
		}
	}
	m, err := sink.Wait(context.Background(), acc.Email, since)
	if err != nil {
		t.Fatal(err)
	}
	var link string
	for _, l := range m.Links {
		if loginMagic.MatchString(l) && strings.HasPrefix(l, app.URL) {
			link = l
		}
	}
	if link == "" || !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Fatalf("no magic link in both parts of the mail: %q\ntext: %s\nhtml: %s", m.Links, m.Text, m.HTML)
	}
	st, _, resp := c.get(link)
	redirected(t, "the magic link", st, resp, "/")
	if st, _, _ := newLoginClient(t, app).get(link); st != 400 {
		t.Errorf("the magic link a second time: %d", st)
	}
	// One mail, to A: none to the unknown address.
	if msgs := sink.Messages(); len(msgs) != 1 {
		t.Errorf("%d mails", len(msgs))
	}
	for _, to := range m.To {
		if to != acc.Email {
			t.Errorf("mail to %q", m.To)
		}
	}
}

// totpLogin signs in with the password, then with the current code of the account's secret.
func totpLogin(t *testing.T, c *loginClient, acc Account) {
	secret := c.app.TOTPSecret[acc.Email]
	if len(secret) < 16 || c.app.TOTPSecret[c.app.B.Email] == secret {
		t.Fatalf("secrets %v", c.app.TOTPSecret)
	}
	if st, _, resp := c.get("/login/otp"); st != 302 || resp.Header.Get("Location") != "/login" {
		t.Errorf("GET /login/otp before the password: %d", st)
	}
	if st, body, _ := c.postForm("/login", url.Values{"email": {acc.Email}, "password": {"wrong-password"}}); st != 200 || !strings.Contains(body, "Invalid email or password.") {
		t.Fatalf("wrong password: %d %s", st, body)
	}
	st, _, resp := c.postForm("/login", url.Values{"email": {acc.Email}, "password": {acc.Password}})
	redirected(t, "the password", st, resp, "/login/otp")
	st, body, _ := c.get("/login/otp")
	if st != 200 || !strings.Contains(body, `<input name="otp" id="otp" autocomplete="one-time-code" inputmode="numeric" maxlength="6">`) || !strings.Contains(body, "Verify") {
		t.Fatalf("GET /login/otp: %d %s", st, body)
	}
	// A code no clock skew makes valid.
	valid := map[string]bool{}
	for _, d := range []time.Duration{-60, -30, 0, 30, 60} {
		code, _ := totp.GenerateCode(secret, time.Now().Add(d*time.Second))
		valid[code] = true
	}
	wrong := "000000"
	for i := 1; valid[wrong]; i++ {
		wrong = fmt.Sprintf("%06d", i)
	}
	if st, body, _ := c.postForm("/login/otp", url.Values{"otp": {wrong}}); st != 200 || !strings.Contains(body, "didn't work") {
		t.Fatalf("a wrong code: %d %s", st, body)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, _, resp = c.postForm("/login/otp", url.Values{"otp": {code}})
	redirected(t, "the code", st, resp, "/")
}

// bearerLogin checks the shell and script, then signs in over the JSON API and keeps the token.
func bearerLogin(t *testing.T, c *loginClient, acc Account) {
	if st, body, _ := c.get("/"); st != 200 || !strings.Contains(body, `<script src="/static/app.js"></script>`) {
		t.Fatalf("GET /: %d %s", st, body)
	}
	st, js, _ := c.get("/static/app.js")
	for _, want := range []string{`localStorage.getItem(KEY)`, `'auth_token'`, `'Authorization': 'Bearer '`, `'/api/auth/login'`, `'/api/auth/logout'`, `'/api/projects/'`, `#/projects/`, `Log out`} {
		if st != 200 || !strings.Contains(js, want) {
			t.Errorf("app.js: %d, no %s", st, want)
		}
	}
	if st, body, _ := c.do("POST", "/api/auth/login", "application/json", `{"email":"`+acc.Email+`","password":"wrong-password"}`); st != 401 {
		t.Fatalf("wrong password: %d %s", st, body)
	}
	st, body, resp := c.do("POST", "/api/auth/login", "application/json", `{"email":"`+acc.Email+`","password":"`+acc.Password+`"}`)
	var out struct{ Token string }
	if st != 200 || json.Unmarshal([]byte(body), &out) != nil || out.Token == "" || len(resp.Cookies()) != 0 {
		t.Fatalf("login: %d %s", st, body)
	}
	c.token = out.Token
}
