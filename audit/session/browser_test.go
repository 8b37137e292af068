package session

import (
	"context"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// The browser checks on the real demo and the real Chromium: each fails (or warns) with its flaw on, and passes on
// the hardened demo.
func TestBrowserChecksOnDemo(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name  string
		check func(context.Context, *audit.Target) audit.Result
		flaws demo.Flaws
		want  audit.Status
	}{
		{"token in storage behind a CSP warns", TokenStorage, demotest.Only(demo.FlawTokenInStorage), audit.Warn},
		{"token in storage without a CSP fails", TokenStorage, demotest.Only(demo.FlawTokenInStorage, demo.FlawNoCSP), audit.Fail},
		{"storage clean", TokenStorage, demo.Hardened(), audit.Pass},
		{"jwt with a guessable secret", TokenStrength, demotest.Only(demo.FlawTokenInStorage), audit.Fail},
		{"random session id", TokenStrength, demo.Hardened(), audit.Pass},
		{"180-day cookie", Expiry, demotest.Only(demo.FlawLongSession), audit.Warn},
		{"year-long jwt", Expiry, demotest.Only(demo.FlawTokenInStorage), audit.Warn},
		{"7-day cookie", Expiry, demo.Hardened(), audit.Pass},
		{"fixation", Rotation, demotest.Only(demo.FlawFixation), audit.Fail},
		{"rotated at login", Rotation, demo.Hardened(), audit.Pass},
		{"logout keeps the session", LogoutInvalidates, demotest.Only(demo.FlawLogoutKeeps), audit.Fail},
		{"logout ends the session", LogoutInvalidates, demo.Hardened(), audit.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.check(t.Context(), demotest.Target(t, tt.flaws))
			if got.Status != tt.want || len(got.Evidence) == 0 {
				t.Errorf("got %s %q (%d evidence), want %s with evidence", got.Status, got.Summary, len(got.Evidence), tt.want)
			}
		})
	}
}

func TestBrowserChecksWithoutBrowser(t *testing.T) {
	t.Setenv("LAUNCHREADY_BROWSER", "/nonexistent/chromium")
	target := demotest.Target(t, demo.Hardened())
	for _, check := range []func(context.Context, *audit.Target) audit.Result{TokenStorage, LogoutInvalidates} {
		got := check(t.Context(), target)
		if got.Status != audit.Inconclusive || got.Summary == "" {
			t.Errorf("got %s %q, want inconclusive saying the browser is missing", got.Status, got.Summary)
		}
	}
	// Cookie checks still work from the HTTP login.
	if got := CookieFlags(t.Context(), target); got.Status != audit.Pass {
		t.Errorf("cookie flags without a browser: %s %q", got.Status, got.Summary)
	}
}

func TestEntropy(t *testing.T) {
	tests := []struct {
		token string
		min   float64
		max   float64
	}{
		{"12345678", 26, 27},
		{"0123456789abcdef0123456789abcdef", 128, 128},
		{"Zm9vYmFyYmF6cXV4cXV1eA", 132, 132},
	}
	for _, tt := range tests {
		if b := entropyBits(tt.token); b < tt.min || b > tt.max {
			t.Errorf("entropyBits(%q) = %.1f, want %.0f..%.0f", tt.token, b, tt.min, tt.max)
		}
	}
}

func FuzzParseJWT(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.sig")
	f.Add("eyJhbGciOiJub25lIn0.eyJleHAiOjF9.")
	f.Fuzz(func(t *testing.T, s string) {
		if v, ok := parseJWT(s); ok {
			_ = v.claimsText()
		}
	})
}
