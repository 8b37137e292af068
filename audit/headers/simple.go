package headers

import (
	"context"
	"regexp"
	"strings"

	"github.com/launchready/launchready/audit"
)

// Nosniff checks X-Content-Type-Options: nosniff.
func Nosniff(ctx context.Context, t *audit.Target) audit.Result {
	page, undecided := mainDocument(ctx, t)
	if undecided != nil {
		return *undecided
	}
	ev := audit.Exchange("app page", page, "X-Content-Type-Options")
	if strings.EqualFold(strings.TrimSpace(page.Header.Get("X-Content-Type-Options")), "nosniff") {
		return audit.Passed("X-Content-Type-Options: nosniff", ev)
	}
	return audit.Failed(0, "X-Content-Type-Options: nosniff is missing on the app's page: without it a browser may take a response for another type than it was sent as (a file a user uploaded, served as text, run as HTML or script)", ev)
}

// goodReferrer are the policies that never send a full URL to another origin.
var goodReferrer = map[string]bool{
	"no-referrer": true, "same-origin": true, "strict-origin": true, "strict-origin-when-cross-origin": true,
	"origin": true, "origin-when-cross-origin": true,
}

// legacyReferrer maps the <meta name="referrer"> keywords of the old draft, which browsers still honour.
var legacyReferrer = map[string]string{"never": "no-referrer", "always": "unsafe-url", "default": "strict-origin-when-cross-origin"}

// ReferrerPolicy checks that full URLs (with reset tokens, IDs) are not sent to other sites. The header sets the
// document's policy and a <meta name="referrer"> in the page overrides it, as browsers apply them.
func ReferrerPolicy(ctx context.Context, t *audit.Target) audit.Result {
	page, undecided := mainDocument(ctx, t)
	if undecided != nil {
		return *undecided
	}
	ev := audit.Exchange("app page", page, "Referrer-Policy")
	// The last policy the browser understands wins (Referrer Policy §8.1), across repeated headers and commas.
	var effective, where string
	for _, v := range page.Header.Values("Referrer-Policy") {
		for _, tok := range strings.Split(v, ",") {
			tok = strings.ToLower(strings.TrimSpace(tok))
			if goodReferrer[tok] || tok == "unsafe-url" || tok == "no-referrer-when-downgrade" {
				effective, where = tok, "Referrer-Policy"
			}
		}
	}
	if meta, ok := metaReferrer(page.Body); ok {
		effective, where = meta, `<meta name="referrer">`
		ev.Excerpt = `<meta name="referrer" content="` + meta + `">`
	}
	switch {
	case effective == "":
		return audit.Warned(audit.Low, "no Referrer-Policy: the browser default (strict-origin-when-cross-origin) applies, but older browsers send full URLs; set it explicitly", ev)
	case goodReferrer[effective]:
		return audit.Passed(where+": "+effective, ev)
	default:
		return audit.Failed(audit.Medium, where+" "+effective+" sends full URLs, tokens in them included, to other sites", ev)
	}
}

// metaReferrer returns the policy the page's <meta name="referrer"> tags set: each one the parser inserts with a
// valid policy replaces the document's, so the last valid one holds (HTML, "Standard metadata names"); an empty or
// unknown value is ignored.
func metaReferrer(body []byte) (string, bool) {
	var found string
	for _, m := range metaTags(body) {
		if !strings.EqualFold(m.name, "referrer") {
			continue
		}
		v := strings.ToLower(strings.TrimSpace(m.content))
		if l, ok := legacyReferrer[v]; ok {
			v = l
		}
		if goodReferrer[v] || v == "unsafe-url" || v == "no-referrer-when-downgrade" {
			found = v
		}
	}
	return found, found != ""
}

// versioned matches a product token with a version number: "nginx/1.18.0", "PHP/8.1", "Express 4.17".
var versioned = regexp.MustCompile(`[A-Za-z][\w.\-]*[/ ]v?\d+(\.\d+)+`)

var leakHeaders = []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Generator"}

// ServerLeak checks that server headers reveal no version numbers.
func ServerLeak(ctx context.Context, t *audit.Target) audit.Result {
	page, undecided := mainDocument(ctx, t)
	if undecided != nil {
		return *undecided
	}
	ev := audit.Exchange("app page", page, leakHeaders...)
	var leaks []string
	for _, h := range leakHeaders {
		for _, v := range page.Header.Values(h) {
			if versioned.MatchString(v) || (h == "X-AspNet-Version" || h == "X-AspNetMvc-Version") {
				leaks = append(leaks, h+": "+v)
			}
		}
	}
	if len(leaks) > 0 {
		return audit.Warned(0, "version numbers in response headers tell attackers which exploits to try: "+strings.Join(leaks, ", "), ev)
	}
	return audit.Passed("no version numbers in Server / X-Powered-By", ev)
}
