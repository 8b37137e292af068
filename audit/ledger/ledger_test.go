package ledger

import (
	"context"
	"net/url"
	"testing"
)

var page, _ = url.Parse("https://app.test/projects/1")

func TestCount(t *testing.T) {
	l := New()
	ctx := With(context.Background(), l)
	tests := []struct {
		ctx  context.Context
		kind Kind
		n    int
	}{
		{Tag(ctx, "authz.idor-read"), HTTP, 3},
		{Tag(ctx, "authz.idor-read"), Browser, 2},
		{Tag(ctx, "sign-up flow"), Browser, 5},
		{ctx, HTTP, 1},                                    // no tag: counted under ""
		{Tag(context.Background(), "no ledger"), HTTP, 7}, // no ledger: not counted anywhere
	}
	for _, tt := range tests {
		for range tt.n {
			Count(tt.ctx, tt.kind, "GET", page)
		}
	}
	by := l.By()
	want := map[string]Counts{"authz.idor-read": {HTTP: 3, Browser: 2}, "sign-up flow": {Browser: 5}, "": {HTTP: 1}}
	if len(by) != len(want) {
		t.Errorf("by tag %v, want %v", by, want)
	}
	for tag, c := range want {
		if by[tag] != c {
			t.Errorf("%q: %+v, want %+v", tag, by[tag], c)
		}
	}
	if got := l.Total(); got != (Counts{HTTP: 4, Browser: 7}) {
		t.Errorf("total %+v", got)
	}
	// A tag set later wins: shared work started by a check is counted as the shared work.
	if got := TagOf(Tag(Tag(ctx, "input.malformed"), "find the login form")); got != "find the login form" {
		t.Errorf("TagOf = %q", got)
	}
}

// TestWrites: the ledger keeps when each write went to which endpoint (method, origin, path), whoever sent it;
// reads are not kept, and another method, path or host is another endpoint.
func TestWrites(t *testing.T) {
	l := New()
	ctx := With(context.Background(), l)
	u := func(s string) *url.URL {
		v, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	Count(Tag(ctx, "sign-up flow"), Browser, "POST", u("https://app.test/signup"))
	Count(Tag(ctx, "auth.password-policy"), Browser, "post", u("https://APP.test/signup?step=2"))
	Count(ctx, HTTP, "GET", u("https://app.test/signup"))
	Count(ctx, HTTP, "PUT", u("https://app.test/signup"))
	Count(ctx, HTTP, "POST", u("https://app.test/signup/confirm"))
	Count(ctx, HTTP, "POST", u("https://other.test/signup"))
	Count(context.Background(), HTTP, "POST", u("https://app.test/signup")) // no ledger
	tests := []struct {
		method, url string
		want        int
	}{
		{"POST", "https://app.test/signup", 2},
		{"PUT", "https://app.test/signup", 1},
		{"GET", "https://app.test/signup", 0},
		{"POST", "https://app.test/signup/confirm", 1},
		{"POST", "https://other.test/signup", 1},
		{"DELETE", "https://app.test/signup", 0},
	}
	for _, tt := range tests {
		got := l.Writes(tt.method, u(tt.url))
		if len(got) != tt.want {
			t.Errorf("Writes(%s %s) = %d, want %d", tt.method, tt.url, len(got), tt.want)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Before(got[i-1]) {
				t.Errorf("Writes(%s %s) not oldest first: %v", tt.method, tt.url, got)
			}
		}
	}
}
