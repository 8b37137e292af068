package account

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/launchready/launchready/audit/probe"
)

// Kind is what a form is for.
type Kind string

// The forms the audit submits.
const (
	Login  Kind = "login"
	Reset  Kind = "password-reset"
	Signup Kind = "sign-up"
	Invite Kind = "invite"
)

// Role is what a field of a submission holds.
type Role string

// The roles the audit fills.
const (
	Email    Role = "email"    // the address (or user name) the form is about
	Password Role = "password" // every password field, a confirmation too
	Name     Role = "name"     // a display name a sign-up asks for
	Username Role = "username" // a username or handle a sign-up asks for: a fresh one for each submission
)

// Values are what one submission sends, by role. A role the submission has no field for is left out.
type Values map[Role]string

// Source says how a submission was learnt.
type Source string

const (
	// FromHTML is an explicit method="post" form of the server-rendered page, submitted as the browser would.
	FromHTML Source = "the page's POST form"
	// Recorded is the request the app's own script sent when the browser filled and submitted the form.
	Recorded Source = "recorded in the browser"
)

// Encoding of a submission's body.
const (
	formEncoded = "application/x-www-form-urlencoded"
	jsonEncoded = "application/json"
)

// Submission is the request a form of the app really sends, as a template: where it goes, how its body is
// encoded, where in the body each role's value sits, and the headers and cookies it needs (a CSRF header, an
// apikey). It is filled with other values and replayed over HTTP; the password always travels in the body.
type Submission struct {
	Kind    Kind
	Source  Source
	Method  string
	URL     string
	Page    string      // the page the form is on
	Header  http.Header // sent with every replay: Content-Type, CSRF and API-key headers, Origin, Referer
	Cookies []*http.Cookie
	// Encoding is formEncoded or jsonEncoded; body is the body as learnt, fields the positions of each role in it
	// (a form key, or the keys down to a JSON value: ["variables", "input", "password"]).
	Encoding string
	body     []byte
	fields   map[Role][][]string
}

// Endpoint is "POST /api/auth/login", for summaries and evidence.
func (s *Submission) Endpoint() string {
	if u, err := url.Parse(s.URL); err == nil {
		return s.Method + " " + u.EscapedPath()
	}
	return s.Method + " " + s.URL
}

// Has reports whether the submission has a field for role.
func (s *Submission) Has(r Role) bool { return len(s.fields[r]) > 0 }

// Request returns the submission filled with v, ready for the probe. jar carries the cookies (seed it with Seed).
func (s *Submission) Request(v Values, jar http.CookieJar) (*probe.Request, error) {
	body, err := s.fill(v)
	if err != nil {
		return nil, err
	}
	return s.WithBody(s.Header.Get("Content-Type"), body, jar), nil
}

// WithBody is the submission's request with another body (a malformed or oversized probe): same method, address,
// headers and cookies.
func (s *Submission) WithBody(contentType string, body []byte, jar http.CookieJar) *probe.Request {
	h := s.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", contentType)
	return &probe.Request{Method: s.Method, URL: s.URL, Header: h, Body: body, Jar: jar}
}

// Seed puts the cookies the form was sent with into jar: the app's anonymous session and CSRF cookies.
func (s *Submission) Seed(jar http.CookieJar) {
	if u, err := url.Parse(s.URL); err == nil && len(s.Cookies) > 0 {
		jar.SetCookies(u, s.Cookies)
	}
}

func (s *Submission) fill(v Values) ([]byte, error) {
	switch s.Encoding {
	case formEncoded:
		form, err := url.ParseQuery(string(s.body))
		if err != nil {
			return nil, fmt.Errorf("%s: the learnt form body does not parse: %w", s.Endpoint(), err)
		}
		for role, value := range v {
			for _, path := range s.fields[role] {
				form.Set(path[0], value)
			}
		}
		if _, given := v[Username]; !given {
			for _, path := range s.fields[Username] {
				form.Set(path[0], freshLike(form.Get(path[0])))
			}
		}
		return []byte(form.Encode()), nil
	case jsonEncoded:
		var doc any
		if err := json.Unmarshal(s.body, &doc); err != nil {
			return nil, fmt.Errorf("%s: the learnt JSON body does not parse: %w", s.Endpoint(), err)
		}
		for role, value := range v {
			for _, path := range s.fields[role] {
				doc = setPath(doc, path, value)
			}
		}
		if _, given := v[Username]; !given {
			for _, path := range s.fields[Username] {
				if old, ok := getPath(doc, path).(string); ok {
					doc = setPath(doc, path, freshLike(old))
				}
			}
		}
		return json.Marshal(doc)
	}
	return nil, fmt.Errorf("%s: a %s body is not replayed", s.Endpoint(), s.Encoding)
}

// setPath puts value (a string, or any JSON value) at the path of keys (object keys, or array indexes) inside doc.
func setPath(doc any, path []string, value any) any {
	if len(path) == 0 {
		return value
	}
	switch n := doc.(type) {
	case map[string]any:
		n[path[0]] = setPath(n[path[0]], path[1:], value)
	case []any:
		if i, err := strconv.Atoi(path[0]); err == nil && i >= 0 && i < len(n) {
			n[i] = setPath(n[i], path[1:], value)
		}
	}
	return doc
}

// getPath returns the value at the path of keys inside doc (nil when there is none).
func getPath(doc any, path []string) any {
	for _, k := range path {
		switch n := doc.(type) {
		case map[string]any:
			doc = n[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(n) {
				return nil
			}
			doc = n[i]
		default:
			return nil
		}
	}
	return doc
}

// freshLike is a new username of the same shape as s, which met the app's rules: its trailing run of hex digits
// (the random part the filler gave it) drawn again, so every submission signs up a name nobody has.
func freshLike(s string) string {
	end := len(s)
	i := end
	for i > 0 && strings.ContainsRune("0123456789abcdef", rune(s[i-1])) {
		i--
	}
	if end-i < 4 || i == 0 {
		return s
	}
	b := make([]byte, (end-i+1)/2)
	_, _ = rand.Read(b)
	return s[:i] + hex.EncodeToString(b)[:end-i]
}

// findPaths returns the paths of doc's string leaves equal to want.
func findPaths(doc any, want string, prefix []string) [][]string {
	switch n := doc.(type) {
	case string:
		if n == want {
			return [][]string{prefix}
		}
	case map[string]any:
		var out [][]string
		for k, v := range n {
			out = append(out, findPaths(v, want, append(append([]string(nil), prefix...), k))...)
		}
		return out
	case []any:
		var out [][]string
		for i, v := range n {
			out = append(out, findPaths(v, want, append(append([]string(nil), prefix...), strconv.Itoa(i)))...)
		}
		return out
	}
	return nil
}
