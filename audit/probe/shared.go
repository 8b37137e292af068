package probe

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// sharedReads sends each shared read once and hands every caller the same answer; a read that failed is not
// kept, so the next caller sends it again.
type sharedReads struct {
	mu    sync.Mutex
	reads map[string]*sharedRead
}

type sharedRead struct {
	done chan struct{}
	resp *Response
	err  error
}

func (s *sharedReads) do(req *Request, send func() (*Response, error)) (*Response, error) {
	key := sharedKey(req)
	s.mu.Lock()
	if s.reads == nil {
		s.reads = map[string]*sharedRead{}
	}
	r, ok := s.reads[key]
	if !ok {
		r = &sharedRead{done: make(chan struct{})}
		s.reads[key] = r
	}
	s.mu.Unlock()
	if ok {
		<-r.done
		if r.err == nil {
			resp := *r.resp // each caller gets its own copy of the answer's fields
			storeCookies(req.Jar, resp.Hops)
			return &resp, nil
		}
		return send() // the first caller's failure (its context ended, say) is not this caller's
	}
	r.resp, r.err = send()
	if r.err != nil {
		s.mu.Lock()
		delete(s.reads, key)
		s.mu.Unlock()
	}
	close(r.done)
	if r.err != nil {
		return nil, r.err
	}
	resp := *r.resp
	return &resp, nil
}

// storeCookies puts the cookies a shared answer set into the jar of a caller it was handed to, as if it had been
// sent with that jar.
func storeCookies(jar http.CookieJar, hops []Hop) {
	if jar == nil {
		return
	}
	for _, h := range hops {
		u, err := url.Parse(h.URL)
		if err != nil {
			continue
		}
		var cookies []*http.Cookie
		for _, line := range h.SetCookie {
			if c, err := http.ParseSetCookie(line); err == nil {
				cookies = append(cookies, c)
			}
		}
		if len(cookies) > 0 {
			jar.SetCookies(u, cookies)
		}
	}
}

// sharedKey is what makes two requests the same request: method, URL, redirects followed, headers, and the
// cookies the jar sends to the URL.
func sharedKey(req *Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s follow=%d\n", cmp.Or(req.Method, "GET"), req.URL, req.Follow)
	if req.Jar != nil {
		if u, err := url.Parse(req.URL); err == nil {
			for _, c := range req.Jar.Cookies(u) {
				fmt.Fprintf(&b, "cookie %s=%s\n", c.Name, c.Value)
			}
		}
	}
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %q\n", k, req.Header[k])
	}
	return b.String()
}
