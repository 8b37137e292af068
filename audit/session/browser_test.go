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

// Entropy is estimated like the standards count it, from several values: what varies between them, each character
// worth the bits of the alphabet.
func TestEstimate(t *testing.T) {
	tests := []struct {
		name     string
		values   []string
		min, max float64
	}{
		{"one value is an upper bound", []string{"0123456789abcdef0123456789abcdef"}, 128, 128},
		{"64-bit hex ids", []string{"9f1c04be77a2d3e1", "03d8e2a9c4b7f615", "b6e07a3d91c2f84e", "5a2f9c1e0b8d7364", "e47b3a90d6c15f28"}, 64, 64},
		// The varying part is hex: 8 characters of 4 bits, though the prefix spells in base64's letters.
		{"a shared prefix counts for nothing", []string{"sess_v1_9f1c04be", "sess_v1_03d8e2a9", "sess_v1_b6e07a3d", "sess_v1_5a2f9c1e", "sess_v1_e47b3a90"}, 32, 32},
		// Miniflux: an ID and a secret, each Go's rand.Text (26 characters of base32, 128 bits), joined by a dot.
		{"two base32 parts and a separator", []string{
			"GTGJ6FXMKQMZ3B6XQXNBLNHK4M.M3B7BVZ3UCMYBRZ47LQ4HEK6UE", "ZR3PYZ4WWTN5W5EXCFSZFT5DVC.5O4LHYNFLRB2TSTOCUO7R4KUXM",
			"W6NRKRWNH6O7FDJ2GPVTAH7E6U.JEGLNN7ZEFW3BEZY5FZHQWHZ6E", "NFA3JXEY5PX4JBZBVSHR7GN3KS.6T5SDYUCA6SHYXNKLWA4PE7HWK",
			"KRVBN2YHX5X3KEVUCM3TMYUCGN.T3WVIHB6N3KPNKU7IHQ3YF52XU"}, 250, 260},
		// Express's signed session cookie, percent-escaped: "s:" + 32 base64url characters + "." + the signature in
		// base64 (43 characters, '+' and '/' escaped, so the escaped values differ in length).
		{"percent-escapes read as what they stand for", []string{
			"s%3AmBI-_pK-nGkg3lwZIzLeJuoAMI47IB_K.v7rpZA%2BwG57Ij6%2FK2UjwrXH%2BHrEqsVAc47zJIqb6%2FaU",
			"s%3AnhWLjDE7eyXRTgtEY8QTRLJNc5CZHkIK.CXMpLHCP5A3pNO9iW8NIrMijlDkxk5J3KEARTA0McG8",
			"s%3ArXgfLMJ5TswlDuq6IvZc_a-jC9dqQnPM.%2FgYxfK1b4pHEbW3qoek678osA%2F%2BUfQTok5zPIkx1q2E",
			"s%3A6PgkVGCe47eQSzg0zJHZxgII_9CNxd4C.A1cHqeuE0kd7Kl5deUROxIA2yVXPXarAhx2HplFMz5Q",
			"s%3AuCt_m_XC6DW9W6AK-akb16-erqQJ5sFo.IaMQGwKnDAPNjKd8H8qMrjlt4ynLJ1efWTLREYm8EoE"}, 440, 460},
		{"a counter in a long token", []string{"user-000001-aaaa", "user-000002-aaaa", "user-000003-aaaa", "user-000004-aaaa", "user-000005-aaaa"}, 0, 7},
		{"the same value twice", []string{"9f1c04be77a2d3e1", "9f1c04be77a2d3e1"}, 0, 0},
		{"different lengths: what they share at the ends counts for nothing", []string{"ab_DEF0123456789xy", "ab_Tuv0123456789zzz", "ab_Pqr0123456789w"}, 83, 85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, method := estimate(tt.values); b < tt.min || b > tt.max || method == "" {
				t.Errorf("estimate = %.1f bits (%s), want %.0f..%.0f", b, method, tt.min, tt.max)
			}
		})
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
