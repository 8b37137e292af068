package audit

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"

	"github.com/launchready/launchready/browser"
)

// csrfHeaderName is how apps name the anti-CSRF header their scripts send: x-csrf-token (Rails, Express, Next.js
// apps), x-xsrf-token (Angular, Laravel), x-csrftoken (Django), csrf-token.
var csrfHeaderName = regexp.MustCompile(`(?i)^(x-)?(csrf|xsrf)([-_]?token)?$`)

// csrfCookieHeaders are the double-submit cookies of the common frameworks and the header each is sent back in.
var csrfCookieHeaders = map[string]string{"XSRF-TOKEN": "X-XSRF-TOKEN", "csrftoken": "X-CSRFToken"}

// CSRFHeader is the anti-CSRF header the audit's own writes as the account carry, learnt the way the app's own
// scripts learn it: the header its requests carried with the session (the last one seen); else the token of the
// page's <meta name="csrf-token"> (Rails, Laravel: sent as X-CSRF-Token) or Spring Security's _csrf and
// _csrf_header pair, from the last page that has one; else the header a framework's double-submit cookie goes back
// in (Angular's and Laravel's XSRF-TOKEN as X-XSRF-TOKEN, Django's csrftoken as X-CSRFToken). "" when none. Without
// it the audit's writes (a canary, a marker post) are refused before the app's rules are reached.
func CSRFHeader(s *browser.Session) (name, value string) {
	for _, x := range s.Traffic {
		for k, v := range x.RequestHeader {
			if v != "" && csrfHeaderName.MatchString(k) {
				name, value = k, v
			}
		}
	}
	if name != "" {
		return name, value
	}
	for i := len(s.Traffic) - 1; i >= 0; i-- {
		if x := s.Traffic[i]; x.Type == "Document" {
			if name, value = metaCSRF(x.Body); name != "" {
				return name, value
			}
		}
	}
	for _, ck := range s.Cookies {
		if h, ok := csrfCookieHeaders[ck.Name]; ok && ck.Value != "" {
			if v, err := url.QueryUnescape(ck.Value); err == nil {
				return h, v
			}
			return h, ck.Value
		}
	}
	return "", ""
}

// metaCSRF reads a page's CSRF meta tags, up to its body: csrf-token (sent as X-CSRF-Token), or Spring Security's
// _csrf with the header _csrf_header names.
func metaCSRF(page []byte) (name, value string) {
	meta := map[string]string{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if tok.Data == "body" {
			break
		}
		if tok.Data != "meta" {
			continue
		}
		var n, c string
		for _, a := range tok.Attr {
			switch strings.ToLower(a.Key) {
			case "name":
				n = strings.ToLower(a.Val)
			case "content":
				c = a.Val
			}
		}
		meta[n] = c
	}
	switch {
	case meta["csrf-token"] != "":
		return "X-CSRF-Token", meta["csrf-token"]
	case meta["_csrf"] != "" && meta["_csrf_header"] != "":
		return meta["_csrf_header"], meta["_csrf"]
	}
	return "", ""
}
