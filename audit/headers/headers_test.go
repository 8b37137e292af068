package headers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

type checkFunc = func(context.Context, *audit.Target) audit.Result

// Every check fails (or warns) on the demo with its flaw on, and passes on the hardened demo.
func TestHeadersOnDemo(t *testing.T) {
	tests := []struct {
		name   string
		check  checkFunc
		flaw   demo.Flaw
		flawed audit.Status
	}{
		{"hsts missing", HSTS, demo.FlawNoHSTS, audit.Fail},
		{"csp missing", CSP, demo.FlawNoCSP, audit.Fail},
		{"no frame guard", Frame, demo.FlawNoFrameGuard, audit.Fail},
		{"nosniff missing", Nosniff, demo.FlawNoNosniff, audit.Fail},
		{"referrer unsafe-url", ReferrerPolicy, demo.FlawLeakyReferrer, audit.Fail},
		{"server version", ServerLeak, demo.FlawServerVersion, audit.Warn},
	}
	hardened := demotest.Target(t, demo.Hardened())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.check(t.Context(), demotest.Target(t, demotest.Only(tt.flaw)))
			if got.Status != tt.flawed || len(got.Evidence) == 0 {
				t.Errorf("with flaw %s: %s %q (evidence %d), want %s with evidence", tt.flaw, got.Status, got.Summary, len(got.Evidence), tt.flawed)
			}
			if got := tt.check(t.Context(), hardened); got.Status != audit.Pass || len(got.Evidence) == 0 {
				t.Errorf("hardened: %s %q, want pass with evidence", got.Status, got.Summary)
			}
		})
	}
}

// A second app, unlike the demo: policies in <meta>, several header values, weak-but-present policies.
func TestHeadersOnOtherApp(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string][]string
		body    string
		check   checkFunc
		want    audit.Status
	}{
		{"csp in meta tag counts", nil, `<html><head><meta http-equiv="Content-Security-Policy" content="script-src 'self'"></head></html>`, CSP, audit.Pass},
		{"unsafe-inline without nonce is weak", map[string][]string{"Content-Security-Policy": {"default-src 'self' 'unsafe-inline'"}}, "", CSP, audit.Warn},
		{"unsafe-inline with nonce is ignored by browsers", map[string][]string{"Content-Security-Policy": {"script-src 'nonce-abc' 'unsafe-inline' 'strict-dynamic'"}}, "", CSP, audit.Pass},
		{"wildcard script source", map[string][]string{"Content-Security-Policy": {"script-src *"}}, "", CSP, audit.Warn},
		{"report-only blocks nothing", map[string][]string{"Content-Security-Policy-Report-Only": {"script-src 'self'"}}, "", CSP, audit.Fail},
		{"two policies: the strict one decides", map[string][]string{"Content-Security-Policy": {"script-src *", "script-src 'self'"}}, "", CSP, audit.Pass},
		{"frame-ancestors wildcard", map[string][]string{"Content-Security-Policy": {"frame-ancestors *"}}, "", Frame, audit.Fail},
		{"xfo sameorigin lowercase", map[string][]string{"X-Frame-Options": {"sameorigin"}}, "", Frame, audit.Pass},
		{"xfo allow-from is ignored", map[string][]string{"X-Frame-Options": {"ALLOW-FROM https://a.example"}}, "", Frame, audit.Fail},
		{"last referrer token wins", map[string][]string{"Referrer-Policy": {"unsafe-url, strict-origin-when-cross-origin"}}, "", ReferrerPolicy, audit.Pass},
		{"referrer no-referrer-when-downgrade leaks", map[string][]string{"Referrer-Policy": {"no-referrer-when-downgrade"}}, "", ReferrerPolicy, audit.Fail},
		{"no referrer policy relies on default", nil, "", ReferrerPolicy, audit.Warn},
		{"meta referrer counts", nil, `<html><head><meta name="referrer" content="same-origin"></head></html>`, ReferrerPolicy, audit.Pass},
		{"meta referrer overrides the header", map[string][]string{"Referrer-Policy": {"no-referrer"}}, `<html><head><meta name="referrer" content="unsafe-url"></head></html>`, ReferrerPolicy, audit.Fail},
		{"legacy meta keyword never", nil, `<html><head><meta name="referrer" content="never"></head></html>`, ReferrerPolicy, audit.Pass},
		{"unknown meta value is ignored", map[string][]string{"Referrer-Policy": {"strict-origin"}}, `<html><head><meta name="referrer" content="sometimes"></head></html>`, ReferrerPolicy, audit.Pass},
		{"the last valid meta holds", nil, `<html><head><meta name="referrer" content="unsafe-url"><meta name="referrer" content="no-referrer"></head></html>`, ReferrerPolicy, audit.Pass},
		{"meta frame-ancestors does not protect", nil, `<html><head><meta http-equiv="Content-Security-Policy" content="frame-ancestors 'none'"></head></html>`, Frame, audit.Fail},
		{"server name without version", map[string][]string{"Server": {"cloudflare"}}, "", ServerLeak, audit.Pass},
		{"php version", map[string][]string{"X-Powered-By": {"PHP/8.1.2"}}, "", ServerLeak, audit.Warn},
		{"hsts short max-age", map[string][]string{"Strict-Transport-Security": {"max-age=86400"}}, "", HSTS, audit.Warn},
		{"hsts without max-age", map[string][]string{"Strict-Transport-Security": {"includeSubDomains"}}, "", HSTS, audit.Fail},
		{"nosniff any case", map[string][]string{"X-Content-Type-Options": {"NoSniff"}}, "", Nosniff, audit.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, vs := range tt.headers {
					w.Header()[k] = vs
				}
				w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.check(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

// A bot check answering the audit's client instead of the app (Cloudflare's challenge here) carries its own
// headers, not the app's: every header check is inconclusive, none fails or passes on it.
func TestBotCheckPageIsNotTheApp(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		header http.Header
		body   string
	}{
		{"cloudflare challenge header", 403, http.Header{"Cf-Mitigated": {"challenge"}}, "<html><head><title>Just a moment...</title></head></html>"},
		{"challenge page only", 503, nil, `<html><head><title>Just a moment...</title></head><body><script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script></body></html>`},
		{"vercel checkpoint", 429, http.Header{"X-Vercel-Mitigated": {"challenge"}}, "<title>Vercel Security Checkpoint</title>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, vs := range tt.header {
					w.Header()[k] = vs
				}
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, check := range []checkFunc{HSTS, CSP, Frame, Nosniff, ReferrerPolicy, ServerLeak} {
				if got := check(t.Context(), target); got.Status != audit.Inconclusive {
					t.Errorf("got %s %q, want inconclusive", got.Status, got.Summary)
				}
			}
		})
	}
}

func TestUnreachableAppIsInconclusive(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	target, err := audit.NewTarget(&audit.Plan{App: url + "/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, check := range []checkFunc{HSTS, CSP, Frame, Nosniff, ReferrerPolicy, ServerLeak} {
		if got := check(t.Context(), target); got.Status != audit.Inconclusive {
			t.Errorf("got %s %q, want inconclusive", got.Status, got.Summary)
		}
	}
}

func FuzzParseCSP(f *testing.F) {
	f.Add("default-src 'self'; script-src 'nonce-x' 'strict-dynamic'")
	f.Add(";;; script-src *;")
	f.Fuzz(func(t *testing.T, v string) {
		parseCSP(v).weaknesses() // must not panic on any header value
	})
}
