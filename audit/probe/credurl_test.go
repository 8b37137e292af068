package probe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestNoPasswordEverTravelsInAURL(t *testing.T) {
	var arrived atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { arrived.Add(1) }))
	defer srv.Close()
	c := New(Config{Scope: []string{"127.0.0.1"}}, nil)
	c.NeverInURL("Plan-Password-77")
	tests := []struct {
		name    string
		url     string
		refused bool
	}{
		{"the plan's password in the query", "/?email=a%40b.test&secret=Plan-Password-77", true},
		{"the plan's password, form-encoded with a space", "/login?p=Plan-Password-77", true},
		{"the plan's password in the path", "/u/Plan-Password-77/x", true},
		{"a field named like a password", "/?user%5Bpassword%5D=hunter2", true},
		{"pwd", "/?pwd=x", true},
		{"an empty password field is no credential", "/?password=", false},
		{"a reset token is not a password", "/reset?token=abcdef123456", false},
		{"words that contain pass", "/?passenger=1&bypass=2&compass=3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := arrived.Load()
			_, err := c.Do(context.Background(), &Request{URL: srv.URL + tt.url})
			if got := errors.Is(err, ErrCredentialInURL); got != tt.refused {
				t.Fatalf("refused = %v (%v), want %v", got, err, tt.refused)
			}
			if tt.refused {
				if arrived.Load() != before {
					t.Error("the request reached the server")
				}
				if strings.Contains(err.Error(), "Plan-Password-77") || strings.Contains(err.Error(), "hunter2") {
					t.Errorf("the error repeats the password: %v", err)
				}
			}
		})
	}
}

func TestCredentialOfAnAuthorizationValue(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjEyMyJ9.c2lnbmF0dXJlLXZhbHVl"
	tests := []struct{ in, want string }{
		{"Bearer abc.def-123", "abc.def-123"},
		{"Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"},
		{jwt, jwt}, // PocketBase sends the token bare
		{"  token   xyz  ", "xyz"},
	}
	for _, tt := range tests {
		if got := Credential(tt.in); got != tt.want {
			t.Errorf("Credential(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A bare token the audit sends is a secret of the audit: it never comes back out as evidence.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("you sent " + r.Header.Get("Authorization")))
	}))
	defer srv.Close()
	c := New(Config{Scope: []string{"127.0.0.1"}}, nil)
	resp, err := c.Do(context.Background(), &Request{URL: srv.URL, Header: http.Header{"Authorization": {jwt}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Redactor().String(string(resp.Body)); strings.Contains(got, jwt) {
		t.Errorf("evidence shows the bare token: %s", got)
	}
}
