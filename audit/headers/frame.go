package headers

import (
	"context"
	"strings"

	"github.com/launchready/launchready/audit"
)

// Frame checks clickjacking protection: frame-ancestors in the CSP header, or X-Frame-Options.
func Frame(ctx context.Context, t *audit.Target) audit.Result {
	page, undecided := mainDocument(ctx, t)
	if undecided != nil {
		return *undecided
	}
	ev := audit.Exchange("app page", page, "Content-Security-Policy", "X-Frame-Options")
	// frame-ancestors is ignored in <meta> policies (CSP3 §6.4.2), so only headers count.
	for _, v := range page.Header.Values("Content-Security-Policy") {
		if srcs, ok := parseCSP(v)["frame-ancestors"]; ok {
			for _, s := range srcs {
				if s == "*" || strings.EqualFold(s, "https:") || strings.EqualFold(s, "http:") {
					return audit.Failed(0, "frame-ancestors allows any site to frame the app ("+s+")", ev)
				}
			}
			return audit.Passed("CSP frame-ancestors "+strings.Join(srcs, " "), ev)
		}
	}
	switch xfo := strings.ToUpper(strings.TrimSpace(page.Header.Get("X-Frame-Options"))); xfo {
	case "DENY", "SAMEORIGIN":
		return audit.Passed("X-Frame-Options: "+xfo, ev)
	case "":
		return audit.Failed(0, "neither frame-ancestors nor X-Frame-Options: any site can frame the app and trick clicks", ev)
	default:
		return audit.Failed(0, "X-Frame-Options "+xfo+" is not DENY or SAMEORIGIN (ALLOW-FROM is ignored by browsers)", ev)
	}
}
