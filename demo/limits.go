package demo

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// The hardened demo's limits: 5 attempts per account (or reset requests per client) a minute, then 429 with
// Retry-After. Failed logins per client IP get more room, as they do in real apps (offices and mobile carriers put
// many people behind one address).
const (
	limitCount  = 5
	limitPerIP  = 30
	limitWindow = time.Minute
)

func limitFor(key string) int {
	if strings.HasPrefix(key, "login-ip:") {
		return limitPerIP
	}
	return limitCount
}

// limited answers 429 when any key has used up its window, and reports whether it did.
func (a *app) limited(w http.ResponseWriter, keys ...string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for _, k := range keys {
		var recent []time.Time
		for _, t := range a.failures[k] {
			if now.Sub(t) < limitWindow {
				recent = append(recent, t)
			}
		}
		a.failures[k] = recent
		if len(recent) >= limitFor(k) {
			w.Header().Set("Retry-After", "60")
			w.Header().Set("RateLimit-Limit", "5")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", "60")
			http.Error(w, "Too many attempts. Try again in a minute.", http.StatusTooManyRequests)
			return true
		}
	}
	return false
}

// failed counts an attempt against each key's window.
func (a *app) failed(keys ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range keys {
		a.failures[k] = append(a.failures[k], time.Now())
	}
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// credentials reads a login from a form or a JSON body; it answers 400/413 itself when the body is bad.
func (a *app) credentials(w http.ResponseWriter, r *http.Request) (email, password string, ok bool) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body struct{ Email, Password string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			case a.has(FlawPanicBadJSON):
				panic("decoding the login: " + err.Error()) // the handler trusted its input
			default:
				http.Error(w, "send {\"email\": \"…\", \"password\": \"…\"}", http.StatusBadRequest)
			}
			return "", "", false
		}
		return body.Email, body.Password, true
	}
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "malformed form", http.StatusBadRequest)
		}
		return "", "", false
	}
	return r.PostFormValue("email"), r.PostFormValue("password"), true
}

// hit counts a request, for tests that check the audit's traffic stays bounded.
func (a *app) hit(r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hits[r.Method+" "+r.URL.Path]++
}
