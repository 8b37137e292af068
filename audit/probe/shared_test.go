package probe

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

func TestSharedReads(t *testing.T) {
	var hits sync.Map // path -> *atomic.Int32
	u := server(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.URL.Path+" "+r.Header.Get("Cookie"), new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		if r.URL.Path == "/fails" {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1"})
		w.Write([]byte("hello " + r.URL.Path))
	})
	sent := func(key string) int32 {
		n, ok := hits.Load(key)
		if !ok {
			return 0
		}
		return n.(*atomic.Int32).Load()
	}
	c := New(Config{Scope: []string{"127.0.0.1"}}, nil)
	get := func(path string, shared bool, jar http.CookieJar, header http.Header) (*Response, error) {
		return c.Do(context.Background(), &Request{URL: u.JoinPath(path).String(), Shared: shared, Jar: jar, Header: header})
	}
	jarWith := func(v string) http.CookieJar {
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: v}})
		return jar
	}

	tests := []struct {
		name string
		send func()
		key  string
		want int32
	}{
		{"the same shared read, sent once", func() { get("/a", true, nil, nil); get("/a", true, nil, nil) }, "/a ", 1},
		{"not shared: sent each time", func() { get("/b", false, nil, nil); get("/b", false, nil, nil) }, "/b ", 2},
		{"other headers: another request", func() {
			get("/c", true, nil, http.Header{"Authorization": {"Bearer x"}})
			get("/c", true, nil, http.Header{"Authorization": {"Bearer y"}})
		}, "/c ", 2},
		{"the same session's cookies: once", func() { get("/d", true, jarWith("s1"), nil); get("/d", true, jarWith("s1"), nil) }, "/d session=s1", 1},
		{"another session's cookies: sent again", func() { get("/e", true, jarWith("s1"), nil); get("/e", true, jarWith("s2"), nil) }, "/e session=s2", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.send()
			if got := sent(tt.key); got != tt.want {
				t.Errorf("the server saw %q %d times, want %d", tt.key, got, tt.want)
			}
		})
	}

	// A read that failed is not kept: the next caller sends it again (the transport may retry each once itself).
	get("/fails", true, nil, nil)
	first := sent("/fails ")
	if _, err := get("/fails", true, nil, nil); err == nil || sent("/fails ") <= first {
		t.Errorf("a failed shared read: err %v, the server saw it %d then %d times", err, first, sent("/fails "))
	}

	// A caller handed a shared answer gets the cookies it set, as if it had sent the request itself.
	second := jarWith("s9")
	get("/f", true, jarWith("s9"), nil)
	resp, err := get("/f", true, second, nil)
	if err != nil || string(resp.Body) != "hello /f" {
		t.Fatalf("shared answer: %v %v", resp, err)
	}
	if sent("/f session=s9") != 1 {
		t.Errorf("/f sent %d times", sent("/f session=s9"))
	}
	found := false
	for _, ck := range second.Cookies(&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}) {
		found = found || ck.Name == "seen"
	}
	if !found {
		t.Error("the second caller's jar lacks the cookie the shared answer set")
	}
	// Concurrent callers of one read: the server sees it once.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); get("/g", true, nil, nil) }()
	}
	wg.Wait()
	if n := sent("/g "); n != 1 {
		t.Errorf("8 concurrent shared reads reached the server %d times", n)
	}
}
