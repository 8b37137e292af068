package perf

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func TestHealthOnDemo(t *testing.T) {
	// The flawed demo has no health endpoint, and its SPA shell answers /healthz with a 200 HTML page.
	if got := Health(t.Context(), demotest.Target(t, demotest.Only(demo.FlawNoHealth))); got.Status != audit.Warn {
		t.Errorf("flawed: %s %q, want warn", got.Status, got.Summary)
	}
	if got := Health(t.Context(), demotest.Target(t, demo.Hardened())); got.Status != audit.Pass {
		t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
	}
}

func TestHealthConfigured(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   audit.Status
	}{
		{"configured and up", 200, audit.Pass},
		{"configured and failing", 503, audit.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/internal/up" {
					w.WriteHeader(tt.status)
				}
			}))
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/", Paths: audit.Paths{Health: "/internal/up"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := Health(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

func TestLCPOnDemo(t *testing.T) {
	browsertest.Bin(t)
	if got := LCPMobile(t.Context(), demotest.Target(t, demotest.Only(demo.FlawSlowHero))); got.Status != audit.Warn && got.Status != audit.Fail {
		t.Errorf("slow hero: %s %q, want warn or fail", got.Status, got.Summary)
	}
	if got := LCPMobile(t.Context(), demotest.Target(t, demo.Hardened())); got.Status != audit.Pass {
		t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
	}
}
