package session

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/launchready/launchready/audit"
)

// The entropy a session identifier needs (OWASP Session Management Cheat Sheet, ASVS 4.0 V3.2.2: at least 64
// bits), and below which a guess is within reach rather than merely unwise.
const (
	minBits  = 64
	weakBits = 48
)

// samples is how many values of a session cookie the strength is estimated from: the login's and fresh logins'.
const samples = 5

// weakSecrets are HMAC secrets found in tutorials, framework defaults and leaked apps; a JWT that verifies with
// one of them can be forged by anyone.
var weakSecrets = []string{
	"secret", "your-256-bit-secret", "your_jwt_secret", "your-secret-key", "jwt_secret", "jwtsecret", "jwt-secret",
	"secretkey", "secret_key", "secret-key", "supersecret", "super-secret", "supersecretkey", "mysecret", "my-secret",
	"mysecretkey", "changeme", "change-me", "changethis", "password", "123456", "12345678", "test", "testing", "key",
	"private", "default", "shhhhh", "keyboard cat", "s3cr3t", "development", "dev", "token", "auth", "hello", "qwerty",
	"admin", "app_secret", "appsecret", "nextauth_secret", "supabase", "firebase", "django-insecure",
}

// TokenStrength judges the credentials the login handed out: JWTs must be signed (never alg none) with a secret
// nobody can guess; a session cookie needs at least 64 bits of randomness, estimated from several fresh values.
func TokenStrength(ctx context.Context, t *audit.Target) audit.Result {
	tokens, id, note, err := loginTokens(ctx, t)
	if err != nil {
		return audit.LoginOutcome(err)
	}
	var parts []audit.Result
	for _, tk := range tokens {
		if v, ok := parseJWT(tk.Value); ok {
			parts = append(parts, judgeJWT(tk, v))
			continue
		}
		values := []string{tk.Value}
		if tk.Cookie != nil {
			more, err := t.FreshCookieValues(ctx, "a", tk.Cookie.Name, samples-1)
			values = append(values, more...)
			if len(more) == 0 {
				// No fresh logins (a saved session): B's session cookie of the same name is another value.
				if b := otherValue(ctx, t, tk.Cookie.Name); b != "" && b != tk.Value {
					values = append(values, b)
					err = nil
				}
			}
			if err != nil && len(more) == 0 {
				note = strings.TrimPrefix(note+"; fresh logins for more values failed: "+err.Error(), "; ")
			}
		}
		parts = append(parts, judgeOpaque(tk, values))
	}
	if len(parts) == 0 {
		return audit.Undecided(strings.TrimSuffix("no session token was found after login; "+note, "; "), id.Evidence())
	}
	res := partial(audit.Combine(parts...), note)
	res.Evidence = append(res.Evidence, id.Evidence())
	return res
}

// otherValue is account B's value of the named session cookie, "" when B has none.
func otherValue(ctx context.Context, t *audit.Target, name string) string {
	s, err := t.Login(ctx, "b")
	if err != nil {
		return ""
	}
	for _, ck := range s.Jar.Cookies(t.App) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func judgeJWT(tk token, v *jwtView) audit.Result {
	ev := audit.Note(tk.Where+" (JWT header and claims)", v.claimsText())
	switch strings.ToUpper(v.Alg) {
	case "NONE", "":
		return audit.Failed(audit.Critical, fmt.Sprintf("the JWT in %s is unsigned (alg %q): anyone can write their own", tk.Where, v.Alg), ev)
	case "HS256", "HS384", "HS512":
		if secret, ok := crackHMAC(tk.Value); ok {
			return audit.Failed(audit.Critical, fmt.Sprintf("the JWT in %s is signed with the guessable secret %q: anyone can forge a token for any user", tk.Where, secret), ev)
		}
		return audit.Passed(fmt.Sprintf("the JWT in %s (%s) does not verify with any of %d common secrets", tk.Where, v.Alg, len(weakSecrets)), ev)
	}
	return audit.Passed(fmt.Sprintf("the JWT in %s is signed with %s", tk.Where, v.Alg), ev)
}

// crackHMAC tries the weak secrets against a JWT's signature.
func crackHMAC(raw string) (string, bool) {
	for _, s := range weakSecrets {
		_, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return []byte(s), nil },
			jwt.WithValidMethods([]string{"HS256", "HS384", "HS512"}), jwt.WithoutClaimsValidation())
		if err == nil {
			return s, true
		}
	}
	return "", false
}

// judgeOpaque judges an opaque session identifier by the randomness its values show.
func judgeOpaque(tk token, values []string) audit.Result {
	bits, method := estimate(values)
	ev := audit.Note(tk.Where, method)
	switch {
	case bits < weakBits:
		return audit.Failed(audit.High, fmt.Sprintf("%s carries about %.0f bits, under the %d a session identifier needs (OWASP, ASVS V3.2.2): it can be guessed", tk.Where, bits, minBits), ev)
	case bits < minBits:
		return audit.Warned(audit.Medium, fmt.Sprintf("%s carries about %.0f bits, under the %d a session identifier needs (OWASP, ASVS V3.2.2)", tk.Where, bits, minBits), ev)
	}
	return audit.Passed(fmt.Sprintf("%s carries about %.0f bits (at least %d needed)", tk.Where, bits, minBits), ev)
}

// estimate says how many bits of randomness an identifier carries, from several values the app issued: the
// characters that vary between them, each worth the bits of the smallest common alphabet the varying characters are
// spelt in. What every value shares (a prefix, a version, a fixed field, a separator between two parts) counts for
// nothing, neither as characters nor in the alphabet, and a value issued twice means none. One value alone gives
// only an upper bound: its length times its alphabet. Percent-escapes are read as the characters they stand for
// (Express's "s%3A…" is "s:…"), when every value has them right.
func estimate(values []string) (float64, string) {
	values = unescaped(values)
	if len(values) < 2 {
		size, per := alphabetOf(values[0])
		bits := float64(len(values[0])) * per
		return bits, fmt.Sprintf("one value: %d characters, alphabet of %d symbols (%.1f bits a character): at most %.0f bits", len(values[0]), size, per, bits)
	}
	seen := map[string]bool{}
	for _, v := range values {
		if seen[v] {
			return 0, fmt.Sprintf("%d values from fresh logins: the same value was issued twice", len(values))
		}
		seen[v] = true
	}
	shortest := len(values[0])
	same := true
	for _, v := range values {
		shortest = min(shortest, len(v))
		same = same && len(v) == len(values[0])
	}
	var spelt strings.Builder // the characters that vary, which the alphabet is judged on
	if !same {
		pre, suf := commonAffixes(values)
		n := max(0, shortest-pre-suf)
		for _, v := range values {
			spelt.WriteString(v[pre : len(v)-suf])
		}
		size, per := alphabetOf(spelt.String())
		bits := float64(n) * per
		return bits, fmt.Sprintf("%d values from fresh logins, of different lengths: %d characters between what they all share, alphabet of %d symbols (%.1f bits a character): about %.0f bits", len(values), n, size, per, bits)
	}
	varying := 0
	for i := range shortest {
		if !allAt(values, func(v string) byte { return v[i] }) {
			varying++
			for _, v := range values {
				spelt.WriteByte(v[i])
			}
		}
	}
	size, per := alphabetOf(spelt.String())
	bits := float64(varying) * per
	return bits, fmt.Sprintf("%d values from fresh logins: %d of %d characters vary, alphabet of %d symbols (%.1f bits a character): about %.0f bits", len(values), varying, shortest, size, per, bits)
}

// unescaped reads the values' percent-escapes, when every value has them right and one has any.
func unescaped(values []string) []string {
	out := make([]string, len(values))
	changed := false
	for i, v := range values {
		u, err := url.PathUnescape(v)
		if err != nil {
			return values
		}
		out[i], changed = u, changed || u != v
	}
	if !changed {
		return values
	}
	return out
}

// commonAffixes measures the prefix and the suffix every value shares.
func commonAffixes(values []string) (pre, suf int) {
	shortest := len(values[0])
	for _, v := range values {
		shortest = min(shortest, len(v))
	}
	for pre < shortest && allAt(values, func(v string) byte { return v[pre] }) {
		pre++
	}
	for suf < shortest-pre && allAt(values, func(v string) byte { return v[len(v)-1-suf] }) {
		suf++
	}
	return pre, suf
}

func allAt(values []string, at func(string) byte) bool {
	for _, v := range values[1:] {
		if at(v) != at(values[0]) {
			return false
		}
	}
	return true
}

// alphabets are the ways identifiers are spelt, smallest first: digits, hex, base32 (RFC 4648's, its hex form,
// Crockford's; Go's rand.Text), lower- or upper-case alphanumerics, both, base64 (standard, URL-safe, and the two
// together).
var alphabets = []string{
	"0123456789",
	"0123456789abcdef", "0123456789ABCDEF",
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "abcdefghijklmnopqrstuvwxyz234567",
	"0123456789ABCDEFGHIJKLMNOPQRSTUV", "0123456789abcdefghijklmnopqrstuv",
	"0123456789ABCDEFGHJKMNPQRSTVWXYZ", "0123456789abcdefghjkmnpqrstvwxyz",
	"0123456789abcdefghijklmnopqrstuvwxyz", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_=", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/=",
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_+/=", // both base64s: an ID in one, a signature in the other
}

// alphabetOf is the size of the smallest alphabet that spells s (the 94 printable characters when none does), and
// the bits a character of it is worth.
func alphabetOf(s string) (int, float64) {
	size := 94
	for _, set := range alphabets {
		if !strings.ContainsFunc(s, func(c rune) bool { return !strings.ContainsRune(set, c) }) {
			size = len(strings.TrimSuffix(set, "=")) // base64's padding is no symbol of its own
			break
		}
	}
	return size, math.Log2(float64(size))
}
