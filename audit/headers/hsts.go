package headers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/launchready/launchready/audit"
)

// minHSTSAge is the Observatory's bar: six months.
const minHSTSAge = 15768000

// HSTS checks Strict-Transport-Security on the HTTPS main document.
func HSTS(ctx context.Context, t *audit.Target) audit.Result {
	page, undecided := mainDocument(ctx, t)
	if undecided != nil {
		return *undecided
	}
	ev := audit.Exchange("app page", page, "Strict-Transport-Security")
	if !isHTTPS(page) {
		return audit.Failed(audit.High, "the app is served over plain HTTP, so HSTS cannot protect it", ev)
	}
	value := page.Header.Get("Strict-Transport-Security")
	if value == "" {
		return audit.Failed(0, "no Strict-Transport-Security header: a first visit over http:// can be intercepted", ev)
	}
	age, ok := hstsMaxAge(value)
	switch {
	case !ok:
		return audit.Failed(0, fmt.Sprintf("Strict-Transport-Security has no valid max-age (%q): browsers ignore it", value), ev)
	case age < minHSTSAge:
		return audit.Warned(audit.Low, fmt.Sprintf("HSTS max-age is %d s (%.0f days), under the six months browsers and preload lists expect", age, float64(age)/86400), ev)
	}
	return audit.Passed(fmt.Sprintf("HSTS max-age %d s (%.0f days)", age, float64(age)/86400), ev)
}

// hstsMaxAge reads max-age from an HSTS value (RFC 6797 6.1: directives separated by ';', case-insensitive).
func hstsMaxAge(v string) (int64, bool) {
	for _, d := range strings.Split(v, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		if strings.EqualFold(strings.TrimSpace(name), "max-age") {
			n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
			return n, err == nil && n >= 0
		}
	}
	return 0, false
}
