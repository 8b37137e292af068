package account

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/launchready/launchready/browser"
)

var typed = Values{Email: "alice@example.test", Password: "Typed-Secret-42"}

func exchange(method, u, contentType, body string, extra map[string]string) browser.Exchange {
	h := map[string]string{"content-type": contentType, "cookie": "sid=abc", "user-agent": "Chrome", "sec-fetch-mode": "cors"}
	for k, v := range extra {
		h[k] = v
	}
	return browser.Exchange{Method: method, URL: u, Type: "Fetch", RequestHeader: h, RequestBody: body}
}

func TestFromTrafficLearnsTheAppsOwnRequest(t *testing.T) {
	tests := []struct {
		name     string
		sent     []browser.Exchange
		kind     Kind
		wantURL  string
		wantBody map[string]any // the body refilled with other values, decoded
		wantHdr  map[string]string
	}{
		{
			name: "SPA posts JSON to its API",
			sent: []browser.Exchange{
				exchange("GET", "https://app.test/api/config", "", "", nil),
				exchange("POST", "https://app.test/api/auth/login", "application/json", `{"email":"alice@example.test","password":"Typed-Secret-42","remember":true}`, nil),
			},
			kind: Login, wantURL: "https://app.test/api/auth/login",
			wantBody: map[string]any{"email": "bob@example.test", "password": "other-password", "remember": true},
			wantHdr:  map[string]string{"Content-Type": "application/json"},
		},
		{
			name: "Next.js style: CSRF header from a meta tag, charset in the content type",
			sent: []browser.Exchange{exchange("POST", "https://app.test/api/auth/login", "application/json; charset=utf-8",
				`{"credentials":{"email":"alice@example.test","password":"Typed-Secret-42"}}`, map[string]string{"x-csrf-token": "tok123", "origin": "https://app.test"})},
			kind: Login, wantURL: "https://app.test/api/auth/login",
			wantBody: map[string]any{"credentials": map[string]any{"email": "bob@example.test", "password": "other-password"}},
			wantHdr:  map[string]string{"X-Csrf-Token": "tok123", "Origin": "https://app.test"},
		},
		{
			name: "GraphQL login mutation keeps its document and swaps the variables",
			sent: []browser.Exchange{exchange("POST", "https://app.test/graphql", "application/json",
				`{"query":"mutation L($e:String!,$p:String!){login(email:$e,password:$p){token}}","variables":{"e":"alice@example.test","p":"Typed-Secret-42"}}`, nil)},
			kind: Login, wantURL: "https://app.test/graphql",
			wantBody: map[string]any{"query": "mutation L($e:String!,$p:String!){login(email:$e,password:$p){token}}", "variables": map[string]any{"e": "bob@example.test", "p": "other-password"}},
		},
		{
			name: "Supabase style: apikey header, password grant",
			sent: []browser.Exchange{exchange("POST", "https://x.supabase.co/auth/v1/token?grant_type=password", "application/json;charset=UTF-8",
				`{"email":"alice@example.test","password":"Typed-Secret-42","gotrue_meta_security":{}}`, map[string]string{"apikey": "anon-key", "authorization": "Bearer anon-key"})},
			kind: Login, wantURL: "https://x.supabase.co/auth/v1/token?grant_type=password",
			wantBody: map[string]any{"email": "bob@example.test", "password": "other-password", "gotrue_meta_security": map[string]any{}},
			wantHdr:  map[string]string{"Apikey": "anon-key", "Authorization": "Bearer anon-key"},
		},
		{
			name: "a form posted by the browser itself, form-encoded",
			sent: []browser.Exchange{exchange("POST", "https://app.test/session", "application/x-www-form-urlencoded",
				"utf8=%E2%9C%93&user%5Bemail%5D=alice%40example.test&user%5Bpassword%5D=Typed-Secret-42", nil)},
			kind: Login, wantURL: "https://app.test/session",
			wantBody: map[string]any{"utf8": "✓", "user[email]": "bob@example.test", "user[password]": "other-password"},
		},
		{
			name: "a reset request carries only the address",
			sent: []browser.Exchange{exchange("POST", "https://app.test/api/auth/forgot", "application/json", `{"email":"alice@example.test"}`, nil)},
			kind: Reset, wantURL: "https://app.test/api/auth/forgot",
			wantBody: map[string]any{"email": "bob@example.test"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := FromTraffic(tt.kind, "https://app.test/login", tt.sent, typed, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sub.URL != tt.wantURL || sub.Source != Recorded {
				t.Fatalf("learnt %s from %s, want %s recorded", sub.URL, sub.Source, tt.wantURL)
			}
			jar, _ := cookiejar.New(nil)
			req, err := sub.Request(Values{Email: "bob@example.test", Password: "other-password"}, jar)
			if err != nil {
				t.Fatal(err)
			}
			if got := decode(t, req.Header.Get("Content-Type"), req.Body); !equalJSON(got, tt.wantBody) {
				t.Errorf("body = %v, want %v", got, tt.wantBody)
			}
			for k, v := range tt.wantHdr {
				if req.Header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, req.Header.Get(k), v)
				}
			}
			for _, dropped := range []string{"Cookie", "User-Agent", "Sec-Fetch-Mode"} {
				if req.Header.Get(dropped) != "" {
					t.Errorf("header %s replayed; the jar and the probe own it", dropped)
				}
			}
			if strings.Contains(req.URL, "other-password") {
				t.Errorf("the password travels in the URL: %s", req.URL)
			}
		})
	}
}

func TestFromTrafficRefusesAndExplains(t *testing.T) {
	tests := []struct {
		name string
		sent []browser.Exchange
		want string
	}{
		{"a form without a handler puts the password in the URL",
			[]browser.Exchange{{Method: "GET", URL: "https://app.test/?email=alice%40example.test&password=Typed-Secret-42", Type: "Document"}},
			"sends the password in the URL"},
		{"nothing was sent", []browser.Exchange{exchange("GET", "https://app.test/api/me", "", "", nil)}, "no request after the submit carried"},
		{"multipart is not replayed", []browser.Exchange{exchange("POST", "https://app.test/login", "multipart/form-data; boundary=x",
			"--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nalice@example.test\r\n--x--", nil)}, "does not replay"},
		{"a login without the password is not the login", []browser.Exchange{exchange("POST", "https://app.test/api/track", "application/json", `{"email":"alice@example.test"}`, nil)},
			"no request after the submit carried"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromTraffic(Login, "https://app.test/login", tt.sent, typed, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Typed-Secret-42") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestFormInTakesOnlyExplicitPostForms(t *testing.T) {
	tests := []struct {
		name, html string
		kind       Kind
		wantErr    error
		wantFields map[Role]string
	}{
		{"Rails-style POST form with a hidden token",
			`<form method="post" action="/session"><input type="hidden" name="authenticity_token" value="t0k"><input type="email" name="user[email]"><input type="password" name="user[password]"><button>Sign in</button></form>`,
			Login, nil, map[Role]string{Email: "user[email]", Password: "user[password]"}},
		{"an SPA form without action or method", `<form><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`,
			Login, ErrNotPost, nil},
		{"a GET form with a password", `<form method="get" action="/login"><input name="user"><input type="password" name="pw"></form>`, Login, ErrNotPost, nil},
		{"no form at all", `<div id="root"></div>`, Login, ErrNoForm, nil},
		{"a reset form", `<form method="POST" action="/password/reset"><input type="hidden" name="csrf" value="x"><input type="email" name="email"></form>`,
			Reset, nil, map[Role]string{Email: "email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := FormIn([]byte(tt.html), "https://app.test/login", tt.kind)
			if tt.wantErr != nil {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr.Error()) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			req, err := sub.Request(Values{Email: "bob@example.test", Password: "pw-other-1"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			form, _ := url.ParseQuery(string(req.Body))
			for role, key := range tt.wantFields {
				want := map[Role]string{Email: "bob@example.test", Password: "pw-other-1"}[role]
				if form.Get(key) != want {
					t.Errorf("%s = %q, want %q (body %s)", key, form.Get(key), want, req.Body)
				}
			}
			if req.Method != http.MethodPost || strings.Contains(req.URL, "?") {
				t.Errorf("sent as %s %s", req.Method, req.URL)
			}
		})
	}
}

func decode(t *testing.T, contentType string, body []byte) map[string]any {
	t.Helper()
	out := map[string]any{}
	if strings.Contains(contentType, "json") {
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		return out
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	for k := range form {
		out[k] = form.Get(k)
	}
	return out
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// A link to a place in the page (Supabase Auth UI's "#auth-sign-up", whose click a script handles) is no page of
// the form's; a hash route ("#/signup") and a page's own address are.
func TestLinksMatchingLeavesInPageAnchors(t *testing.T) {
	base, _ := url.Parse("https://app.test/login")
	re := regexp.MustCompile(`(?i)sign ?up`)
	for _, tt := range []struct {
		page string
		want []string
	}{
		{`<a href="#auth-sign-up">Don't have an account? Sign up</a>`, nil},
		{`<a href="#/signup">Sign up</a>`, []string{"https://app.test/login#/signup"}},
		{`<a href="/signup">Create one</a>`, []string{"https://app.test/signup"}},
		{`<a href="#auth-sign-up">Sign up</a><a href="/register">Sign up here</a>`, []string{"https://app.test/register"}},
	} {
		if got := LinksMatching([]byte(tt.page), base, re); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.page, got, tt.want)
		}
	}
}
