package probe

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func server(t *testing.T, h http.HandlerFunc) *url.URL {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u
}

func TestScopeGuard(t *testing.T) {
	u := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://evil.example/steal", http.StatusFound)
	})
	c := New(Config{Scope: []string{"127.0.0.1"}}, nil)

	resp, err := c.Do(t.Context(), &Request{URL: u.String(), Follow: 5})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 302 || !strings.Contains(resp.Refused, "evil.example") {
		t.Errorf("an out-of-scope redirect must be returned unfollowed and say why: %d %q", resp.Status, resp.Refused)
	}
	// localhost resolves to loopback too, but it is not a host the plan names.
	_, err = c.Do(t.Context(), &Request{URL: "http://localhost:" + u.Port() + "/"})
	if !errors.Is(err, ErrOutOfScope) {
		t.Errorf("request to a host outside scope: %v, want ErrOutOfScope", err)
	}
	if got := c.Refused(); len(got) != 2 {
		t.Errorf("refused %v, want both recorded", got)
	}
	if c.Sent() != 1 {
		t.Errorf("sent %d, want 1: a refused request is never sent", c.Sent())
	}
}

func TestBudget(t *testing.T) {
	var hits atomic.Int32
	u := server(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	c := New(Config{Scope: []string{"127.0.0.1"}, Budget: 3}, nil)
	var err error
	for range 5 {
		_, err = c.Do(t.Context(), &Request{URL: u.String()})
	}
	if !errors.Is(err, ErrBudget) || hits.Load() != 3 || c.Remaining() != 0 {
		t.Errorf("err %v, hits %d: want the budget of 3 to hold", err, hits.Load())
	}
}

// A 50 MB answer is read to the cap and no further.
func TestBodyCap(t *testing.T) {
	var written atomic.Int64
	u := server(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for i := 0; i < 50<<20/len(chunk); i++ {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	const limit = 1 << 20
	c := New(Config{Scope: []string{"127.0.0.1"}, BodyCap: limit}, nil)
	resp, err := c.Do(t.Context(), &Request{URL: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Body) != limit || !resp.Truncated {
		t.Errorf("body %d bytes, truncated %v; want %d and truncated", len(resp.Body), resp.Truncated, limit)
	}
	time.Sleep(50 * time.Millisecond) // let the server notice the closed connection
	if w := written.Load(); w >= 50<<20 {
		t.Errorf("the server wrote all %d bytes: the client kept reading past the cap", w)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	u := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := New(Config{Scope: []string{"127.0.0.1"}, Timeout: 100 * time.Millisecond}, nil)
	start := time.Now()
	_, err := c.Do(t.Context(), &Request{URL: u.String()})
	if err == nil || !strings.Contains(err.Error(), "no answer in time") {
		t.Errorf("err %v, want a timeout that says so", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the per-request timeout did not hold")
	}
}

func TestFollowRedirectsWithJar(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "cookie-secret-value", Path: "/"})
		http.Redirect(w, r, "/home", http.StatusSeeOther)
	})
	mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie("sid")
		if err != nil {
			w.WriteHeader(401)
			return
		}
		fmt.Fprint(w, "hello "+ck.Value)
	})
	u := server(t, mux.ServeHTTP)
	c := New(Config{Scope: []string{"127.0.0.1"}}, nil)
	jar := newJar()
	resp, err := c.Do(t.Context(), &Request{Method: "POST", URL: u.JoinPath("login").String(), Body: []byte("x=1"), Jar: jar, Follow: 3})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.Method != "GET" || len(resp.Hops) != 2 || len(resp.Hops[0].SetCookie) != 1 {
		t.Errorf("got %d %s hops %+v", resp.Status, resp.Method, resp.Hops)
	}
	// Every cookie the target sets is a secret of the audit from then on.
	if got := c.Redactor().String(string(resp.Body)); strings.Contains(got, "cookie-secret-value") {
		t.Errorf("cookie value not learned as a secret: %q", got)
	}
}

func TestRedactor(t *testing.T) {
	r := NewRedactor("correct-horse-battery", "tok", "session-value-123456")
	tests := []struct{ in, want string }{
		{"password is correct-horse-battery!", "password is [redacted]!"},
		{"short tok stays", "short tok stays"},
		{"Authorization: Bearer eyJhbGciOi.payload.sig", "Authorization: Bearer [redacted]"},
		{"Cookie: sid=abc; theme=dark", "Cookie: [redacted]"},
		{"GET /reset?token=a1b2c3&x=1", "GET /reset?token=[redacted]&x=1"},
		{`{"email":"a@x","password":"p@ss"}`, `{"email":"a@x","password":"[redacted]"}`},
		{"email=a%40x&password=p%40ss", "email=a%40x&password=[redacted]"},
		{"sid=session-value-123456; Path=/", "sid=[redacted]; Path=/"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	headers := []struct{ name, in, want string }{
		{"Set-Cookie", "sid=abc123; Path=/; HttpOnly", "sid=[redacted]; Path=/; HttpOnly"},
		{"Authorization", "Basic dXNlcjpwYXNz", "Basic [redacted]"},
		{"Cookie", "a=1; b=2", "a=[redacted]; b=[redacted]"},
		{"Server", "nginx", "nginx"},
	}
	for _, h := range headers {
		if got := r.Header(h.name, h.in); got != h.want {
			t.Errorf("Header(%s, %q) = %q, want %q", h.name, h.in, got, h.want)
		}
	}
}

func FuzzRedactor(f *testing.F) {
	f.Add("Authorization: Bearer abc", "abcdefgh")
	f.Fuzz(func(t *testing.T, text, secret string) {
		r := NewRedactor(secret)
		if got := r.String(text); len(secret) >= minSecretLen && strings.Contains(got, secret) && !strings.Contains(Redacted, secret) {
			t.Errorf("secret %q survived in %q", secret, got)
		}
	})
}
