package audit

import (
	"net/http"
	"testing"

	"github.com/go-rod/rod/lib/proto"
	"github.com/launchready/launchready/browser"
)

// Which anti-CSRF header the audit's own requests as an account carry: the one the app's scripts sent (the last
// one), else the header a framework's double-submit cookie goes back in.
func TestCSRFHeader(t *testing.T) {
	sent := func(h map[string]string) browser.Exchange {
		return browser.Exchange{Method: "POST", URL: "https://app.test/api/x", Type: "Fetch", RequestHeader: h}
	}
	cookie := func(name, value string) *proto.NetworkCookie { return &proto.NetworkCookie{Name: name, Value: value} }
	page := func(head string) browser.Exchange {
		return browser.Exchange{Method: "GET", URL: "https://app.test/", Type: "Document", Body: []byte("<!doctype html><html><head>" + head + "</head><body><p>hi</p></body></html>")}
	}
	tests := []struct {
		name        string
		s           *browser.Session
		header, val string
	}{
		{"the scripts' header, the last one seen", &browser.Session{Traffic: []browser.Exchange{
			sent(map[string]string{"x-csrf-token": "first-token-0123456789"}), sent(map[string]string{"content-type": "application/json"}),
			sent(map[string]string{"x-csrf-token": "second-token-0123456789"})}}, "x-csrf-token", "second-token-0123456789"},
		{"an empty header is none", &browser.Session{Traffic: []browser.Exchange{sent(map[string]string{"x-csrf-token": ""})}}, "", ""},
		{"Angular and Laravel's cookie, URL-decoded", &browser.Session{Cookies: []*proto.NetworkCookie{cookie("XSRF-TOKEN", "eyJpdiI6%3D%3D")}}, "X-XSRF-TOKEN", "eyJpdiI6=="},
		{"Django's cookie", &browser.Session{Cookies: []*proto.NetworkCookie{cookie("sessionid", "s"), cookie("csrftoken", "dj-csrf-0123456789abcdef")}}, "X-CSRFToken", "dj-csrf-0123456789abcdef"},
		{"the scripts' header wins over a cookie", &browser.Session{Cookies: []*proto.NetworkCookie{cookie("XSRF-TOKEN", "cookie-value")},
			Traffic: []browser.Exchange{sent(map[string]string{"x-xsrf-token": "header-value"})}}, "x-xsrf-token", "header-value"},
		{"Rails' and Laravel's meta tag, from the last page that has one", &browser.Session{Cookies: []*proto.NetworkCookie{cookie("XSRF-TOKEN", "cookie-value")}, Traffic: []browser.Exchange{
			page(`<meta name="csrf-token" content="before-login-token">`), page(`<meta content="after-login-token" name="CSRF-Token">`), page(`<title>no meta</title>`)}},
			"X-CSRF-Token", "after-login-token"},
		{"Spring Security's pair", &browser.Session{Traffic: []browser.Exchange{page(`<meta name="_csrf" content="spring-token-0123"><meta name="_csrf_header" content="X-XSRF-TOKEN">`)}}, "X-XSRF-TOKEN", "spring-token-0123"},
		{"a meta tag in the body is page content", &browser.Session{Traffic: []browser.Exchange{{Type: "Document", Body: []byte(`<html><head></head><body><meta name="csrf-token" content="user-text"></body></html>`)}}}, "", ""},
		{"other x- headers are not it", &browser.Session{Traffic: []browser.Exchange{sent(map[string]string{"x-requested-with": "XMLHttpRequest", "x-csrf-mode": "strict"})}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, v := CSRFHeader(tt.s)
			if h != tt.header || v != tt.val {
				t.Errorf("CSRFHeader = %q %q, want %q %q", h, v, tt.header, tt.val)
			}
			if s := FromBrowser("a", tt.s); tt.header != "" && s.Header.Get(tt.header) != tt.val {
				t.Errorf("the session sends %s: %q, want %q", http.CanonicalHeaderKey(tt.header), s.Header.Get(tt.header), tt.val)
			}
		})
	}
}
