package audit

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/launchready/launchready/audit/probe"
)

// excerptLen bounds how much of a body one piece of evidence shows.
const excerptLen = 400

// Exchange is the evidence of one request and its answer: the request line, the status, the named headers as
// they came back (a missing header is shown as absent), and an excerpt. The Runner redacts it again on the way out.
func Exchange(label string, resp *probe.Response, headers ...string) Evidence {
	ev := Evidence{Label: label, Request: resp.Method + " " + resp.URL, Status: resp.Status}
	for _, name := range headers {
		ev.Headers = append(ev.Headers, HeaderLines(resp.Header, name)...)
	}
	return ev
}

// HeaderLines renders a header as "Name: value" lines, or "Name: (absent)".
func HeaderLines(h http.Header, name string) []string {
	vs := h.Values(name)
	if len(vs) == 0 {
		return []string{http.CanonicalHeaderKey(name) + ": (absent)"}
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = http.CanonicalHeaderKey(name) + ": " + v
	}
	return out
}

// Excerpt returns up to excerptLen characters of body around the first occurrence of needle (or the start).
func Excerpt(body []byte, needle string) string {
	s := string(body)
	at := 0
	if needle != "" {
		if i := strings.Index(s, needle); i >= 0 {
			at = i
		}
	}
	from := max(0, at-excerptLen/4)
	to := min(len(s), from+excerptLen)
	out := strings.ToValidUTF8(s[from:to], "")
	if from > 0 {
		out = "…" + out
	}
	if to < len(s) {
		out += "…"
	}
	return out
}

// Note is evidence that is only a sentence (what was tried, what was not found).
func Note(label, text string) Evidence { return Evidence{Label: label, Excerpt: text} }

// Route is a URL's path without host and query: how summaries name an endpoint.
func Route(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return raw
}
