package auth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestLinkToken(t *testing.T) {
	tests := []struct {
		name, link, where string
		minBits, maxBits  float64
	}{
		{"hex in the query", "https://app.test/reset?token=" + strings.Repeat("ab12", 16) + "&lang=en", "query parameter token", 255, 257},
		{"six-digit code", "https://app.test/reset?code=483920", "query parameter code", 19, 20},
		{"path segment beats the words around it", "https://app.test/invite/Zk3x9QpL7mN2vB8cR4tY6wU1/accept", "path segment 2", 142, 143},
		{"uuid version 4", "https://app.test/verify/3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b", "path segment 2", 122, 122},
		{"uuid version 1 is not random", "https://app.test/verify/3f2b8c1e-9a4d-11ef-8b7a-1c2d3e4f5a6b", "path segment 2", 0, 0},
		{"token in the fragment of an SPA", "https://app.test/#access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl&type=recovery", "fragment parameter access_token", 200, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, ok := linkToken(tt.link)
			if !ok || tk.Where != tt.where || tk.Bits < tt.minBits || tk.Bits > tt.maxBits {
				t.Errorf("got %v (ok %v), want %s with %v..%v bits", tk, ok, tt.where, tt.minBits, tt.maxBits)
			}
			if shown := describeLink(tt.link, tk); strings.Contains(shown, tk.value) {
				t.Errorf("describeLink shows the token: %s", shown)
			}
		})
	}
	// The real token wins over an encoded address beside it, though that one is longer.
	redirect := base64.RawURLEncoding.EncodeToString([]byte("https://app.test/dashboard/projects/settings?tab=members&view=all"))
	if tk, ok := linkToken("https://app.test/reset?next=" + redirect + "&token=" + strings.Repeat("ab12", 16)); !ok || tk.Where != "query parameter token" {
		t.Errorf("got %v, want the token, not the encoded redirect", tk)
	}
	for _, link := range []string{"https://app.test/login", "https://app.test/settings/profile?tab=security", "not a url %"} {
		if tk, ok := linkToken(link); ok {
			t.Errorf("%s: found a token %v in a link without one", link, tk)
		}
	}
}

func TestLifetimeClaim(t *testing.T) {
	tests := []struct {
		text    string
		want    time.Duration
		forever bool
		said    bool
	}{
		{"The link works once and expires in 1 hour.", time.Hour, false, true},
		{"This link is valid for 24 hours.", 24 * time.Hour, false, true},
		{"It expires in 15 minutes", 15 * time.Minute, false, true},
		{"The invitation expires in 7 days.", 7 * 24 * time.Hour, false, true},
		{"This link will expire in an hour.", time.Hour, false, true},
		{"You can use this link whenever you need it.", 0, true, true},
		{"This link never expires.", 0, true, true},
		{"Follow this link to reset the password for your user.", 0, false, false},
		{"Choose a new password within 20 minutes: https://app.test/reset#t=x", 20 * time.Minute, false, true},
		{"Join within the next 7 days.", 7 * 24 * time.Hour, false, true},
		{"No mail within 5 minutes? Ask again. The link expires in 7 days.", 7 * 24 * time.Hour, false, true},
		{"The link expires in 1 hour. Links for teams expire in 24 hours.", 24 * time.Hour, false, true},
	}
	for _, tt := range tests {
		d, forever, said := lifetimeClaim(tt.text)
		if d != tt.want || forever != tt.forever || said != tt.said {
			t.Errorf("%q: got %s forever=%v said=%v", tt.text, d, forever, said)
		}
	}
}

func FuzzLinkToken(f *testing.F) {
	for _, s := range []string{"https://a.test/reset?token=abcdef123456", "https://a.test/#x=1&y=2", "%zz", "https://a.test/invite/3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, link string) {
		tk, ok := linkToken(link)
		if ok && (tk.value == "" || tk.Bits < 0) {
			t.Fatalf("bad token %+v", tk)
		}
		if ok && strings.Contains(describeLink(link, tk), tk.value) && len(tk.value) > 8 {
			t.Fatalf("describeLink shows the token of %q", link)
		}
		lifetimeClaim(link)
	})
}

// A token made of readable data is no random token, however long: base64 or hex of text (an address and a time,
// a JSON object), or a Unix time of about now. Random tokens of every common shape are never taken for one.
func TestBuiltFrom(t *testing.T) {
	now := time.Unix(1796270000, 0)
	stamp := "1796269990"
	tests := []struct {
		name, token, want string
	}{
		{"base64url of an address and a time", base64.RawURLEncoding.EncodeToString([]byte("olga@notes.test:" + stamp)), "encoded text, not random bytes, an email address, a Unix time of about now"},
		{"base64 of JSON", base64.StdEncoding.EncodeToString([]byte(`{"user":42,"purpose":"reset"}`)), "encoded text, not random bytes"},
		{"hex of text", hex.EncodeToString([]byte("user-42-reset-please")), "encoded text, not random bytes"},
		{"a time in milliseconds then a counter", stamp + "123" + "x00042", "a Unix time of about now"},
		{"a JWT is judged by its signature", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvbGdhQG5vdGVzLnRlc3QifQ.c2lnbmF0dXJlc2lnbmF0dXJl", ""},
		{"a time long past is no clue", "1000000000abcdefabcdef", ""},
		{"a time then 64 hex digits carries its randomness", stamp + "-" + strings.Repeat("9f3a", 16), ""},
		{"an encrypted payload (Laravel's) is random inside", base64.StdEncoding.EncodeToString([]byte(`{"iv":"q83vEjRWeJq83vEjRWeJqw==","value":"` + base64.StdEncoding.EncodeToString(make([]byte, 48)) + `","mac":"` + strings.Repeat("ab", 32) + `"}`)), ""},
		{"random hex encoded again", base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("4f9c2a7e", 8))), ""},
		{"a UUID v4 encoded again", base64.RawURLEncoding.EncodeToString([]byte("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b")), ""},
	}
	for _, tt := range tests {
		if got := builtFrom(tt.token, now); got != tt.want {
			t.Errorf("%s: builtFrom(%q) = %q, want %q", tt.name, tt.token, got, tt.want)
		}
	}
	for i := 0; i < 1000; i++ {
		b := make([]byte, 32)
		rand.Read(b)
		u := make([]byte, 16)
		rand.Read(u)
		for _, tok := range []string{hex.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b), base64.StdEncoding.EncodeToString(b),
			hex.EncodeToString(b[:16]), base64.RawURLEncoding.EncodeToString(u), fmt.Sprintf("%x-%x-%x-%x-%x", u[:4], u[4:6], u[6:8], u[8:10], u[10:]),
			alnum(b), fmt.Sprint(new(big.Int).SetBytes(b[:12]))} {
			if got := builtFrom(tok, now); got != "" {
				t.Fatalf("the random token %q read as %q", tok, got)
			}
		}
	}
}

// alnum spells b in letters and digits, as many apps make their tokens.
func alnum(b []byte) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = letters[int(c)%len(letters)]
	}
	return string(out)
}
