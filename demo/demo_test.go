package demo

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// user is a browser-like client of the demo: a cookie jar, trust in the demo CA, redirects followed.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newClient(t *testing.T, s *Server) *client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: strings.TrimSuffix(s.HTTPSURL, "/"), hc: &http.Client{Jar: jar,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
}

func (c *client) do(method, path string, form url.Values) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequestWithContext(c.t.Context(), method, c.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func start(t *testing.T, flaws Flaws) *Server {
	s, err := Start(flaws)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestFlowsWork(t *testing.T) {
	s := start(t, Hardened())
	alice, bob := s.Accounts[0], s.Accounts[1]

	c := newClient(t, s)
	if code, body := c.do("POST", "/login", url.Values{"email": {alice.Email}, "password": {alice.Password}}); code != 200 || !strings.Contains(body, "Acme Builders") {
		t.Fatalf("login: %d", code)
	}
	if code, body := c.do("GET", "/api/communities/1/posts", nil); code != 200 || !strings.Contains(body, "Acme roadmap") {
		t.Errorf("own posts: %d %s", code, body)
	}
	if code, _ := c.do("GET", "/api/communities/2/posts", nil); code != 404 {
		t.Errorf("another community's posts: %d, want 404 on the hardened demo", code)
	}
	if code, _ := c.do("GET", "/admin", nil); code != 403 {
		t.Errorf("admin page as a member: %d, want 403", code)
	}
	if code, _ := c.do("GET", "/api/admin/users", nil); code != 403 {
		t.Errorf("admin API as a member: %d, want 403 on the hardened demo", code)
	}
	if code, _ := newClient(t, s).do("GET", "/api/communities/1/export", nil); code != 401 {
		t.Errorf("export without login: %d, want 401 on the hardened demo", code)
	}

	b := newClient(t, s)
	b.do("POST", "/login", url.Values{"email": {bob.Email}, "password": {bob.Password}})
	if code, _ := b.do("GET", "/api/communities/1/members", nil); code != 404 {
		t.Errorf("another community's members: %d, want 404 on the hardened demo", code)
	}

	// Reset: the link works once, the new password logs in, the old one does not.
	anon := newClient(t, s)
	anon.do("POST", "/forgot-password", url.Values{"email": {bob.Email}})
	mail := s.Outbox()
	if len(mail) != 1 || mail[0].To != bob.Email {
		t.Fatalf("outbox %+v", mail)
	}
	link, _ := url.Parse(mail[0].Body)
	if code, _ := anon.do("POST", link.RequestURI(), url.Values{"password": {"a-new-password-1"}}); code != 200 {
		t.Errorf("reset: %d", code)
	}
	if code, _ := anon.do("POST", link.RequestURI(), url.Values{"password": {"another-password"}}); code != 400 {
		t.Errorf("second use of the reset link: %d, want 400", code)
	}
	if code, _ := b.do("GET", "/api/me", nil); code != 401 {
		t.Errorf("bob's old session after the reset: %d, want 401", code)
	}
	if code, _ := newClient(t, s).do("POST", "/login", url.Values{"email": {bob.Email}, "password": {bob.Password}}); code != 401 {
		t.Errorf("old password after reset: %d, want 401", code)
	}

	// Sign-up asks to confirm the address first; the link works once and then the account has a community of its own.
	dana := newClient(t, s)
	if code, body := dana.do("POST", "/signup", url.Values{"name": {"Dana"}, "email": {"dana@example.test"}, "password": {"long-enough-pw"}}); code != 200 || !strings.Contains(body, "Check your email") {
		t.Errorf("signup: %d", code)
	}
	if code, _ := dana.do("POST", "/login", url.Values{"email": {"dana@example.test"}, "password": {"long-enough-pw"}}); code != 403 {
		t.Errorf("login before confirming: %d, want 403", code)
	}
	mail = s.Outbox()
	confirm, _ := url.Parse(mail[len(mail)-1].Body)
	if code, _ := dana.do("GET", confirm.RequestURI(), nil); code != 200 {
		t.Errorf("confirming: %d", code)
	}
	if code, _ := dana.do("GET", confirm.RequestURI(), nil); code != 400 {
		t.Errorf("confirming again: %d, want 400", code)
	}
	if code, body := dana.do("POST", "/login", url.Values{"email": {"dana@example.test"}, "password": {"long-enough-pw"}}); code != 200 || !strings.Contains(body, "Dana&#39;s community") {
		t.Errorf("login after confirming: %d", code)
	}
	if code, _ := newClient(t, s).do("POST", "/signup", url.Values{"name": {"Eve"}, "email": {"eve@example.test"}, "password": {"123456"}}); code != 400 {
		t.Errorf("signup with 123456: %d, want 400", code)
	}
}

func TestFlawSwitches(t *testing.T) {
	for _, f := range AllFlaws() {
		if Describe(f) == "" {
			t.Errorf("flaw %s has no description", f)
		}
	}
	flawed, hardened := start(t, Flawed()), start(t, Hardened())
	get := func(s *Server, path string) (int, http.Header, string) {
		c := newClient(t, s)
		req, _ := http.NewRequestWithContext(t.Context(), "GET", c.base+path, nil)
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	if _, _, body := get(flawed, "/.env"); !strings.Contains(body, "DATABASE_URL=") {
		t.Error("flawed demo does not serve /.env")
	}
	if _, _, body := get(hardened, "/.env"); strings.Contains(body, "DATABASE_URL=") {
		t.Error("hardened demo serves /.env")
	}
	if _, h, _ := get(hardened, "/"); h.Get("Content-Security-Policy") == "" || h.Get("Strict-Transport-Security") == "" {
		t.Error("hardened demo lacks its security headers")
	}
}
