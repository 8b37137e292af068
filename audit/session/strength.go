package session

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/launchready/launchready/audit"
)

// minBits is the entropy an opaque session identifier needs (OWASP, ASVS 3.2.2).
const minBits = 128

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
// nobody can guess; opaque identifiers need at least 128 bits.
func TokenStrength(ctx context.Context, t *audit.Target) audit.Result {
	tokens, note, err := loginTokens(ctx, t)
	if err != nil {
		return audit.LoginOutcome(err)
	}
	var parts []audit.Result
	for _, tk := range tokens {
		if v, ok := parseJWT(tk.Value); ok {
			parts = append(parts, judgeJWT(tk, v))
			continue
		}
		if tk.Cookie != nil && !sessionName.MatchString(tk.Cookie.Name) && !tk.Cookie.HttpOnly {
			continue // a preference or analytics cookie, not a credential
		}
		parts = append(parts, judgeOpaque(tk))
	}
	if len(parts) == 0 {
		return audit.Undecided(strings.TrimSuffix("no session token was found after login; "+note, "; "))
	}
	return partial(audit.Combine(parts...), note)
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

func judgeOpaque(tk token) audit.Result {
	bits := entropyBits(tk.Value)
	ev := audit.Note(tk.Where, fmt.Sprintf("%d characters, alphabet of %d symbols: about %.0f bits", len(tk.Value), alphabet(tk.Value), bits))
	if bits < minBits {
		return audit.Failed(audit.High, fmt.Sprintf("%s carries about %.0f bits, under the %d a session identifier needs: it can be guessed", tk.Where, bits, minBits), ev)
	}
	return audit.Passed(fmt.Sprintf("%s carries about %.0f bits", tk.Where, bits), ev)
}

// entropyBits is an upper bound of a random token's entropy: its length times the bits of the smallest common
// alphabet that spells it (digits, hex, base64url, printable).
func entropyBits(s string) float64 { return float64(len(s)) * math.Log2(float64(alphabet(s))) }

func alphabet(s string) int {
	isAll := func(set string) bool {
		for _, c := range s {
			if !strings.ContainsRune(set, c) {
				return false
			}
		}
		return true
	}
	switch {
	case isAll("0123456789"):
		return 10
	case isAll("0123456789abcdef"), isAll("0123456789ABCDEF"):
		return 16
	case isAll("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_="), isAll("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="):
		return 64
	}
	return 94
}
