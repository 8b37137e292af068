package probe

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// ErrCredentialInURL is returned for a request whose URL carries a password: it would sit in the target's access
// log, in proxies and in every log shipper. The audit never sends one.
var ErrCredentialInURL = errors.New("a password in the URL")

// passwordParam is a query parameter named like a password field ("password", "user[password]", "new_pwd").
var passwordParam = regexp.MustCompile(`(?i)(^|[^a-z])(pass|password|passwd|passphrase|pwd)([^a-z]|$)`)

// maxGuarded bounds the length of a value kept for the URL guard (an oversized probe's 2 MiB field is not one).
const maxGuarded = 512

// NeverInURL registers a password the audit types (the plan's, a burst's wrong one): no request may carry it in its
// URL, and no evidence may show it.
func (c *Client) NeverInURL(password string) {
	if len(password) < minSecretLen || len(password) > maxGuarded {
		return
	}
	c.redactor.Add(password)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Contains(c.passwords, password) {
		c.passwords = append(c.passwords, password)
	}
}

// CheckURL refuses a URL that carries a registered password anywhere, or a non-empty query parameter named like a
// password. The browser's request interception asks it too.
func (c *Client) CheckURL(u *url.URL) error {
	plain := u.String()
	if s, err := url.PathUnescape(strings.ReplaceAll(plain, "+", " ")); err == nil {
		plain += " " + s
	}
	c.mu.Lock()
	passwords := c.passwords
	c.mu.Unlock()
	for _, p := range passwords {
		if strings.Contains(plain, p) || strings.Contains(u.String(), url.QueryEscape(p)) {
			return fmt.Errorf("%s: refused: %w", c.redactor.String(withoutQuery(u)), ErrCredentialInURL)
		}
	}
	for key, vals := range u.Query() {
		if passwordParam.MatchString(key) && len(vals) > 0 && vals[0] != "" {
			return fmt.Errorf("%s: refused, its query parameter %q looks like a password: %w", c.redactor.String(withoutQuery(u)), key, ErrCredentialInURL)
		}
	}
	return nil
}

func withoutQuery(u *url.URL) string {
	v := *u
	if v.RawQuery != "" {
		v.RawQuery = "…"
	}
	v.Fragment = ""
	return v.String()
}
