package probe

import (
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces a secret wherever evidence would show it.
const Redacted = "[redacted]"

// minSecretLen keeps short, common values (a cookie "theme=dark") from blanking out ordinary words.
const minSecretLen = 6

// Redactor removes the audit's own secrets — test passwords, session cookies, tokens, Authorization values — from
// text before it is stored as evidence. It knows secrets by value (registered as the audit learns them) and by
// shape (credential headers, password fields, token query parameters).
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret containing another is replaced whole
}

// NewRedactor returns a Redactor that already knows the given secrets.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		r.Add(s)
	}
	return r
}

// Add registers a secret value. Values shorter than six characters are ignored by value (they would blank out
// ordinary text) but still caught by shape.
func (r *Redactor) Add(secret string) {
	secret = strings.TrimSpace(secret)
	if len(secret) < minSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.secrets {
		if s == secret {
			return
		}
	}
	r.secrets = append(r.secrets, secret)
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// Known reports whether s is one of the audit's own secrets (or contains one): a session token the app handed the
// audit is not a finding about the app.
func (r *Redactor) Known(s string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) || strings.Contains(secret, s) && len(s) >= minSecretLen {
			return true
		}
	}
	return false
}

// shapes catch credentials by their form, whatever their value: the first group is kept, the rest replaced.
var shapes = []*regexp.Regexp{
	regexp.MustCompile(`(?i)((?:^|\n|\s)(?:authorization|proxy-authorization)\s*:\s*(?:[a-z]+\s+)?)[^\s\r\n]+`),
	regexp.MustCompile(`(?i)((?:^|\n|\s)cookie\s*:\s*)[^\r\n]+`),
	regexp.MustCompile(`(?i)((?:^|\n|\s)set-cookie\s*:\s*[^=;\s]+=)[^;\r\n]*`),
	regexp.MustCompile(`(?i)((?:^|[?&\s])(?:password|passwd|pass|pwd|token|access_token|refresh_token|id_token|code|secret|api_key|apikey|key|sig|signature)=)[^&\s#"']+`),
	regexp.MustCompile(`(?i)("(?:password|passwd|new_password|current_password|token|access_token|refresh_token|id_token|secret|api_key|apikey)"\s*:\s*")[^"]*`),
}

// String returns s with every known secret and every credential-shaped value replaced.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	r.mu.RLock()
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	r.mu.RUnlock()
	for _, re := range shapes {
		s = re.ReplaceAllString(s, "${1}"+Redacted)
	}
	return s
}

// Header returns the value of header name as evidence may show it: credential headers keep only their shape
// (the cookie name and attributes, the auth scheme), everything else goes through String.
func (r *Redactor) Header(name, value string) string {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " " + Redacted
		}
		return Redacted
	case "cookie":
		parts := strings.Split(value, ";")
		for i, p := range parts {
			if n, _, ok := strings.Cut(p, "="); ok {
				parts[i] = n + "=" + Redacted
			}
		}
		return strings.Join(parts, ";")
	case "set-cookie":
		if n, rest, ok := strings.Cut(value, "="); ok {
			_, attrs, _ := strings.Cut(rest, ";")
			if attrs != "" {
				return n + "=" + Redacted + ";" + r.String(attrs)
			}
			return n + "=" + Redacted
		}
	}
	return r.String(value)
}

// Credential is the secret part of an Authorization value: what follows the scheme ("Bearer x" → "x"), or the whole
// value when the app sends the token bare (PocketBase sends "Authorization: <JWT>").
func Credential(authorization string) string {
	v := strings.TrimSpace(authorization)
	if scheme, cred, ok := strings.Cut(v, " "); ok && !strings.Contains(scheme, ".") {
		return strings.TrimSpace(cred)
	}
	return v
}
