package transport

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// The deployment checks on the demo, by its real names (demo.test, www.demo.test) over real TLS on loopback.
func TestDeploymentOnDemo(t *testing.T) {
	tests := []struct {
		name  string
		check func(context.Context, *audit.Target) audit.Result
		flaw  demo.Flaw
		says  string
	}{
		{"www goes down to http first", CanonicalHost, demo.FlawWWWChain, "www.demo.test"},
		{"TLS 1.0 accepted", TLSVersion, demo.FlawOldTLS, "TLS 1.0"},
		{"certificate expiring in a week", TLSCert, demo.FlawCertExpiring, "expires in"},
	}
	hardened := demotest.Target(t, demo.Hardened())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.check(t.Context(), demotest.Target(t, demotest.Only(tt.flaw)))
			if got.Status != audit.Fail || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("flawed: %s %q, want fail saying %q", got.Status, got.Summary, tt.says)
			}
			if got := tt.check(t.Context(), hardened); got.Status != audit.Pass {
				t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
			}
		})
	}
	if got := Edge(t.Context(), hardened); got.Status != audit.Info || !strings.Contains(got.Summary, "no CDN/WAF detected") {
		t.Errorf("edge on the demo: %s %q", got.Status, got.Summary)
	}
}

func TestEdgeSignatures(t *testing.T) {
	for _, sig := range edgeSignatures {
		t.Run(sig.Name, func(t *testing.T) {
			if len(sig.Samples) == 0 {
				t.Fatal("a signature needs a recorded header sample")
			}
			for _, h := range sig.Samples {
				var got []string
				for _, other := range edgeSignatures {
					if other.Match(h) {
						got = append(got, other.Name)
					}
				}
				if len(got) != 1 || got[0] != sig.Name {
					t.Errorf("sample %v recognised as %v, want only %s", h, got, sig.Name)
				}
			}
		})
	}
	plain := http.Header{"Server": {"nginx"}, "Content-Type": {"text/html"}}
	for _, sig := range edgeSignatures {
		if sig.Match(plain) {
			t.Errorf("%s matched a plain nginx answer", sig.Name)
		}
	}
}

// A second site, unlike the demo: the canonical host is www., and the redirect rules vary per case.
func TestCanonicalHostCases(t *testing.T) {
	tests := []struct {
		name string
		// route answers for host and scheme with a redirect target ("" serves the page).
		route func(host string, tls bool, httpsPort, httpPort string) string
		want  audit.Status
		says  string
	}{
		{"apex to www in one hop", func(h string, tls bool, sp, pp string) string {
			if h == "www.site.test" && tls {
				return ""
			}
			return "https://www.site.test:" + sp + "/"
		}, audit.Pass, "all end on https://www.site.test"},
		{"loop between apex and www", func(h string, tls bool, sp, pp string) string {
			if h == "www.site.test" && tls {
				return "https://site.test:" + sp + "/"
			}
			return "https://www.site.test:" + sp + "/"
		}, audit.Fail, "redirect loop"},
		{"detour through another host", func(h string, tls bool, sp, pp string) string {
			if h == "www.site.test" && tls {
				return ""
			}
			return "https://sso.elsewhere.test/bounce"
		}, audit.Fail, "outside the site"},
		{"two hops from https", func(h string, tls bool, sp, pp string) string {
			switch {
			case h == "www.site.test" && tls:
				return ""
			case h == "site.test" && tls:
				return "https://site.test:" + sp + "/home"
			}
			return "https://www.site.test:" + sp + "/"
		}, audit.Warn, "takes 2 redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sp, pp string
			handler := func(isTLS bool) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					host, _, _ := net.SplitHostPort(r.Host)
					to := tt.route(host, isTLS, sp, pp)
					if isTLS && host == "site.test" && r.URL.Path == "/home" {
						to = "https://www.site.test:" + sp + "/"
					}
					if to == "" {
						fmt.Fprint(w, "<html>home</html>")
						return
					}
					http.Redirect(w, r, to, http.StatusMovedPermanently)
				}
			}
			secure := httptest.NewTLSServer(handler(true))
			plain := httptest.NewServer(handler(false))
			t.Cleanup(secure.Close)
			t.Cleanup(plain.Close)
			_, sp, _ = net.SplitHostPort(strings.TrimPrefix(secure.URL, "https://"))
			_, pp, _ = net.SplitHostPort(strings.TrimPrefix(plain.URL, "http://"))
			var resolve []string
			for _, h := range []string{"site.test", "www.site.test"} {
				resolve = append(resolve, h+":"+sp+":127.0.0.1", h+":"+pp+":127.0.0.1")
			}
			plan := &audit.Plan{App: "https://www.site.test:" + sp + "/", HTTPURL: "http://www.site.test:" + pp + "/", Resolve: resolve, TLS: audit.TLS{Insecure: true}}
			target, err := audit.NewTarget(plan, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := CanonicalHost(t.Context(), target)
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("got %s %q, want %s saying %q", got.Status, got.Summary, tt.want, tt.says)
			}
		})
	}
}
