package cors

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func TestCORSOnDemo(t *testing.T) {
	flawed := demotest.Target(t, demotest.Only(demo.FlawCORSReflect))
	hardened := demotest.Target(t, demo.Hardened())
	for _, tt := range []struct {
		name  string
		check func(context.Context, *audit.Target) audit.Result
	}{{"origin", Origin}, {"preflight", Preflight}} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(t.Context(), flawed); got.Status != audit.Fail {
				t.Errorf("flawed: %s %q, want fail", got.Status, got.Summary)
			}
			if got := tt.check(t.Context(), hardened); got.Status != audit.Pass {
				t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
			}
		})
	}
}

// A second API, unlike the demo: a token API behind a separate origin with its own CORS policies.
func TestOriginPolicies(t *testing.T) {
	tests := []struct {
		name   string
		policy func(origin string) (acao, acac string)
		want   audit.Status
	}{
		{"reflects without credentials", func(o string) (string, string) { return o, "" }, audit.Warn},
		{"wildcard without credentials", func(string) (string, string) { return "*", "" }, audit.Pass},
		{"wildcard with credentials", func(string) (string, string) { return "*", "true" }, audit.Warn},
		{"suffix match trusts evil<host>", func(o string) (string, string) {
			if len(o) > 0 && o[len(o)-9:] == "127.0.0.1" {
				return o, "true"
			}
			return "", ""
		}, audit.Fail},
		{"null allowed with credentials", func(o string) (string, string) {
			if o == "null" {
				return "null", "true"
			}
			return "", ""
		}, audit.Fail},
		{"exact allow-list", func(o string) (string, string) { return "https://app.example", "true" }, audit.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				acao, acac := tt.policy(r.Header.Get("Origin"))
				if acao != "" {
					w.Header().Set("Access-Control-Allow-Origin", acao)
				}
				if acac != "" {
					w.Header().Set("Access-Control-Allow-Credentials", acac)
				}
				w.Write([]byte(`{"ok":true}`))
			}))
			t.Cleanup(api.Close)
			target, err := audit.NewTarget(&audit.Plan{App: api.URL + "/", API: api.URL + "/v1/"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := Origin(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}
