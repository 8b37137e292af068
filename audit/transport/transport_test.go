package transport

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func TestHTTPSRedirectOnDemo(t *testing.T) {
	if got := HTTPSRedirect(t.Context(), demotest.Target(t, demotest.Only(demo.FlawNoHTTPSRedir))); got.Status != audit.Fail {
		t.Errorf("flawed: %s %q, want fail", got.Status, got.Summary)
	}
	if got := HTTPSRedirect(t.Context(), demotest.Target(t, demo.Hardened())); got.Status != audit.Pass {
		t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
	}
}

func TestHTTPSRedirectKinds(t *testing.T) {
	tests := []struct {
		name   string
		status int
		to     string // %s is replaced by the https origin
		want   audit.Status
	}{
		{"permanent to https same host", 308, "https://127.0.0.1/", audit.Pass},
		{"temporary redirect", 302, "https://127.0.0.1/", audit.Warn},
		{"redirect stays on http", 301, "http://127.0.0.1/other", audit.Fail},
		{"redirect to another host", 301, "https://localhost/", audit.Warn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", tt.to)
				w.WriteHeader(tt.status)
			}))
			t.Cleanup(plain.Close)
			plan := &audit.Plan{App: "https://127.0.0.1:1/", HTTPURL: plain.URL + "/", Scope: []string{"127.0.0.1", "localhost"}}
			target, err := audit.NewTarget(plan, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := HTTPSRedirect(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

func TestTLSCertOnDemo(t *testing.T) {
	got := TLSCert(t.Context(), demotest.Target(t, demotest.Only(demo.FlawCertExpiring)))
	if got.Status != audit.Fail || !strings.Contains(got.Summary, "expires in") {
		t.Errorf("flawed: %s %q, want fail for expiry", got.Status, got.Summary)
	}
	if got := TLSCert(t.Context(), demotest.Target(t, demo.Hardened())); got.Status != audit.Pass {
		t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
	}
}

// Without the plan's CA the demo's certificate is untrusted: reported as such, not a crash.
func TestTLSCertUntrustedAndSelfSigned(t *testing.T) {
	srv := demotest.Start(t, demo.Hardened())
	plan, _ := srv.Plan("t")
	plan.TLS = audit.TLS{Insecure: true}
	target, err := audit.NewTarget(plan, srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	got := TLSCert(t.Context(), target)
	if got.Status != audit.Fail || !strings.Contains(got.Summary, "do not trust") {
		t.Errorf("private CA: %s %q, want fail naming the untrusted issuer", got.Status, got.Summary)
	}

	self := httptest.NewTLSServer(http.NotFoundHandler()) // httptest's certificate is self-signed for 127.0.0.1
	t.Cleanup(self.Close)
	target, err = audit.NewTarget(&audit.Plan{App: self.URL + "/", TLS: audit.TLS{Insecure: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := TLSCert(t.Context(), target); got.Status != audit.Fail {
		t.Errorf("self-signed: %s %q, want fail", got.Status, got.Summary)
	}
}

// A staging app reached by its real name through the plan's resolve entry: the certificate is judged for that
// name (the demo's names only localhost and 127.0.0.1, so it must not match app.test).
func TestTLSCertThroughResolve(t *testing.T) {
	srv := demotest.Start(t, demo.Hardened())
	plan, _ := srv.Plan("t")
	port := strings.TrimSuffix(strings.TrimPrefix(srv.HTTPSURL, "https://127.0.0.1:"), "/")
	plan.App = "https://app.test:" + port + "/"
	plan.HTTPURL = ""
	plan.Resolve = []string{"app.test:" + port + ":127.0.0.1"}
	target, err := audit.NewTarget(plan, srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	got := TLSCert(t.Context(), target)
	if got.Status != audit.Fail || !strings.Contains(got.Summary, "does not name app.test") {
		t.Errorf("got %s %q, want a name mismatch for app.test", got.Status, got.Summary)
	}
}

func TestMixedContentOnDemo(t *testing.T) {
	browsertest.Bin(t)
	if got := MixedContent(t.Context(), demotest.Target(t, demotest.Only(demo.FlawMixedContent))); got.Status != audit.Fail || !strings.Contains(got.Evidence[0].Excerpt, "http://") {
		t.Errorf("flawed: %s %q, want fail listing the http:// URL", got.Status, got.Summary)
	}
	if got := MixedContent(t.Context(), demotest.Target(t, demo.Hardened())); got.Status != audit.Pass {
		t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
	}
}

// A script that adds an http:// image after load is only visible to the browser.
func TestMixedContentAddedByScript(t *testing.T) {
	browsertest.Bin(t)
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Write([]byte(`<html><body><h1>Hi</h1><script>const i = new Image(); i.src = 'http://` + strings.TrimPrefix(srv.URL, "https://") + `/pixel.gif'; document.body.appendChild(i)</script></body></html>`))
		}
	}))
	t.Cleanup(srv.Close)
	target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	got := MixedContent(t.Context(), target)
	if got.Status != audit.Fail || !strings.Contains(got.Evidence[0].Excerpt, "/pixel.gif") {
		t.Errorf("got %s %q, want fail naming the image the script added", got.Status, got.Summary)
	}
}

// Mixed content is mostly behind the login (a dashboard's images). When account A cannot log in, its pages were not
// looked at: a clean public page is no pass.
func TestMixedContentNeedsTheAccountsPages(t *testing.T) {
	browsertest.Bin(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<html><body><h1>Welcome</h1><form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form></body></html>`))
	}))
	t.Cleanup(srv.Close)
	plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}, Accounts: audit.Accounts{A: &audit.Account{Email: "gus@mixed.test", PasswordEnv: "PW"}}}
	target, err := audit.NewTarget(plan, func(string) string { return "Gus-Mixed-Pass-1" })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	if got := MixedContent(t.Context(), target); got.Status != audit.Inconclusive || !strings.Contains(got.Summary, "account A's pages") {
		t.Errorf("got %s %q, want inconclusive: A's pages were never loaded", got.Status, got.Summary)
	}
}

// An app served over plain HTTP with nothing on port 443 has no certificate to judge: the check is not run, and says
// why (the plain HTTP itself is transport.https-redirect's and headers.hsts's to report), rather than "could not read".
func TestTLSCertOfAPlainHTTPApp(t *testing.T) {
	if c, err := net.Dial("tcp", "127.0.0.1:443"); err == nil {
		c.Close()
		t.Skip("something listens on 127.0.0.1:443 on this machine")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := TLSCert(t.Context(), target)
	if got.Status != audit.Skipped || !strings.Contains(got.Summary, "plain HTTP") {
		t.Errorf("got %s %q, want skipped: plain HTTP, no certificate", got.Status, got.Summary)
	}
}
