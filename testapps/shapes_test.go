package testapps

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// client is one browser-like visitor of an app: a cookie jar, the credentials the login gave, the page's CSRF token.
type client struct {
	t     *testing.T
	app   *App
	c     *http.Client
	csrf  string // NextStyle meta token or ServerForms hidden field
	token string // SPA bearer token
}

func newClient(t *testing.T, app *App) *client {
	jar, _ := cookiejar.New(nil)
	c := app.Server.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: t, app: app, c: c}
}

// do sends one request (redirects are not followed) and returns the status, the body and the answer.
func (c *client) do(method, path, ctype string, body []byte, hdr ...string) (int, string, *http.Response) {
	c.t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(c.app.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

var (
	metaToken   = regexp.MustCompile(`<meta name="csrf-token" content="([0-9a-f]+)">`)
	hiddenToken = regexp.MustCompile(`name="authenticity_token" value="([0-9a-f]+)"`)
)

// page loads a page and keeps the CSRF token it carries.
func (c *client) page(path string, re *regexp.Regexp) {
	c.t.Helper()
	st, body, _ := c.do("GET", path, "", nil)
	m := re.FindStringSubmatch(body)
	if st != 200 || m == nil {
		c.t.Fatalf("GET %s: %d, no CSRF token in:\n%s", path, st, body)
	}
	c.csrf = m[1]
}

func jsonBody(email, password string) []byte {
	return []byte(`{"email":` + quote(email) + `,"password":` + quote(password) + `}`)
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// shape is how each app's requests look.
type shape struct {
	new func(testing.TB, Mode) *App
	// prepare loads what the login form needs (the CSRF token).
	prepare func(c *client)
	// login sends the login request with a raw body and content type, with the CSRF token where the app needs it.
	login func(c *client, ctype string, body []byte) (int, string, *http.Response)
	// creds encodes an email and password the way the app's login sends them.
	creds func(c *client, email, password string) (string, []byte)
	// reset asks a password reset for email.
	reset func(c *client, email string) (int, string)
	// private fetches the account's projects with the client's credentials.
	private func(c *client) (int, string)
	// logout logs out and returns a replay of the private request with the old credentials.
	logout func(c *client) func() int
	// succeeded and failed judge a login answer.
	succeeded func(c *client, st int, body string, resp *http.Response) bool
	failed    func(st int, body string) bool
}

var shapes = map[string]shape{
	"spa": {
		new:     SPA,
		prepare: func(*client) {},
		login: func(c *client, ctype string, body []byte) (int, string, *http.Response) {
			return c.do("POST", "/api/auth/login", ctype, body)
		},
		creds: func(_ *client, e, p string) (string, []byte) { return "application/json", jsonBody(e, p) },
		reset: func(c *client, email string) (int, string) {
			st, body, _ := c.do("POST", "/api/auth/forgot", "application/json", []byte(`{"email":`+quote(email)+`}`))
			return st, body
		},
		private: func(c *client) (int, string) {
			st, body, _ := c.do("GET", "/api/projects", "", nil, "Authorization", "Bearer "+c.token)
			return st, body
		},
		logout: func(c *client) func() int {
			if st, _, _ := c.do("POST", "/api/auth/logout", "", nil, "Authorization", "Bearer "+c.token); st != 200 {
				c.t.Fatalf("logout: %d", st)
			}
			return func() int {
				st, _, _ := c.do("GET", "/api/me", "", nil, "Authorization", "Bearer "+c.token)
				return st
			}
		},
		succeeded: func(c *client, st int, body string, _ *http.Response) bool {
			m := regexp.MustCompile(`^\{"token":"([0-9a-f]{64})"\}`).FindStringSubmatch(body)
			if st != 200 || m == nil {
				return false
			}
			c.token = m[1]
			return true
		},
		failed: jsonFailed,
	},
	"nextstyle": {
		new:     NextStyle,
		prepare: func(c *client) { c.page("/login", metaToken) },
		login: func(c *client, ctype string, body []byte) (int, string, *http.Response) {
			return c.do("POST", "/api/auth/login", ctype, body, "x-csrf-token", c.csrf)
		},
		creds: func(_ *client, e, p string) (string, []byte) { return "application/json", jsonBody(e, p) },
		reset: func(c *client, email string) (int, string) {
			st, body, _ := c.do("POST", "/api/auth/forgot", "application/json", []byte(`{"email":`+quote(email)+`}`), "x-csrf-token", c.csrf)
			return st, body
		},
		private: func(c *client) (int, string) {
			st, body, _ := c.do("GET", "/api/projects", "", nil)
			return st, body
		},
		logout: func(c *client) func() int {
			old := cookie(c, "session")
			if st, _, _ := c.do("POST", "/api/auth/logout", "", nil, "x-csrf-token", c.csrf); st != 200 {
				c.t.Fatalf("logout: %d", st)
			}
			if cookie(c, "session") != "" {
				c.t.Error("the session cookie was not expired at logout")
			}
			return func() int {
				st, _, _ := c.do("GET", "/api/projects", "", nil, "Cookie", "session="+old)
				return st
			}
		},
		succeeded: func(c *client, st int, body string, resp *http.Response) bool {
			return st == 200 && strings.HasPrefix(body, `{"ok":true}`) && cookie(c, "session") != ""
		},
		failed: jsonFailed,
	},
	"serverforms": {
		new:     ServerForms,
		prepare: func(c *client) { c.page("/login", hiddenToken) },
		login: func(c *client, ctype string, body []byte) (int, string, *http.Response) {
			return c.do("POST", "/login", ctype, body)
		},
		creds: func(c *client, e, p string) (string, []byte) {
			return "application/x-www-form-urlencoded", []byte(url.Values{"email": {e}, "password": {p}, "authenticity_token": {c.csrf}}.Encode())
		},
		reset: func(c *client, email string) (int, string) {
			st, body, _ := c.do("POST", "/password/reset", "application/x-www-form-urlencoded",
				[]byte(url.Values{"email": {email}, "authenticity_token": {c.csrf}}.Encode()))
			return st, body
		},
		private: func(c *client) (int, string) {
			st, body, _ := c.do("GET", "/projects", "", nil)
			return st, body
		},
		logout: func(c *client) func() int {
			old := cookie(c, "_app_session")
			c.page("/projects", hiddenToken)
			st, _, resp := c.do("POST", "/logout", "application/x-www-form-urlencoded", []byte("authenticity_token="+c.csrf))
			if st != 302 || resp.Header.Get("Location") != "/login" {
				c.t.Fatalf("logout: %d to %q", st, resp.Header.Get("Location"))
			}
			return func() int {
				st, _, _ := c.do("GET", "/projects", "", nil, "Cookie", "_app_session="+old)
				return st
			}
		},
		succeeded: func(c *client, st int, body string, resp *http.Response) bool {
			return st == 302 && resp.Header.Get("Location") == "/projects"
		},
		failed: func(st int, body string) bool {
			return st == 200 && strings.Contains(body, `<div class="alert alert-danger" role="alert">Invalid email or password</div>`) &&
				strings.Contains(body, `<form method="post" action="/login">`)
		},
	},
}

func jsonFailed(st int, body string) bool {
	return st == 401 && strings.HasPrefix(body, `{"error":"Invalid email or password"}`)
}

// cookie returns the value of the jar's cookie name for the app.
func cookie(c *client, name string) string {
	u, _ := url.Parse(c.app.URL)
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}
