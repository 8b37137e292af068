package account

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/launchready/launchready/browser"
)

var (
	// ErrNoForm means the page has no form of the kind asked for.
	ErrNoForm = errors.New("no such form on the page")
	// ErrNotPost means the page's form does not say method="post": its script sends it (a single-page app), or the
	// browser would put its fields in the URL. Either way it is learnt in the browser, never sent as a GET.
	ErrNotPost = errors.New(`the form is not an explicit method="post" form`)
	// ErrNotSent means the browser filled and submitted the form but no request carried what was typed.
	ErrNotSent = errors.New("submitting the form sent nothing the audit can replay")
)

// FormIn reads the server-rendered page's form of the kind asked for and returns the request it sends. Only an
// explicit method="post" form is taken: anything else is for the browser to learn.
func FormIn(page []byte, pageURL string, kind Kind) (*Submission, error) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, err
	}
	find := findEmailForm
	if kind == Login || kind == Signup {
		find = findPasswordForm
	}
	f, ok := find(page, base)
	if !ok {
		return nil, fmt.Errorf("%w (%s, in the HTML of %s)", ErrNoForm, kind, pageURL)
	}
	if !f.Explicit {
		return nil, fmt.Errorf("%s form on %s: %w", kind, pageURL, ErrNotPost)
	}
	s := &Submission{Kind: kind, Source: FromHTML, Method: http.MethodPost, URL: f.Action, Page: pageURL,
		Encoding: formEncoded, fields: map[Role][][]string{},
		Header: http.Header{"Content-Type": {formEncoded}, "Referer": {pageURL}, "Origin": {base.Scheme + "://" + base.Host}}}
	// The body as a careful person would send it: hidden fields as the page has them, a required select's first
	// real option, the terms ticked, a username that meets the field's rules; address and passwords are filled
	// for each submission.
	filler := NewFiller(nil)
	typed := filler.Fill(f.Fields)
	meaning := Classify(f.Fields)
	body := url.Values{}
	for k, v := range f.Hidden {
		body[k] = append([]string(nil), v...)
	}
	for i, fd := range f.Fields {
		v := typed[i]
		if v == "" {
			v = fd.Value
		}
		if fd.Type == "checkbox" || fd.Type == "radio" {
			if typed[i] == "" && !fd.Checked {
				continue // an unticked box is not sent
			}
			if v = fd.Value; v == "" {
				v = "on"
			}
		}
		body.Add(fd.Name, v)
		if r := roleOf(meaning[i]); r != "" && (kind == Signup || r == Email || r == Password) {
			s.fields[r] = append(s.fields[r], []string{fd.Name})
		}
	}
	s.body = []byte(body.Encode())
	if !s.Has(Email) {
		return nil, fmt.Errorf("%w (%s, in the HTML of %s: the form has no field for the address)", ErrNoForm, kind, pageURL)
	}
	return s, nil
}

// FromTraffic finds, among what the browser sent after the form was submitted, the request that carried the typed
// values, and makes it the template: a JSON or form-encoded body, the headers the app's script added (a CSRF
// token, an apikey), and the cookies the browser held. A password in a URL is refused, never learnt.
func FromTraffic(kind Kind, page string, sent []browser.Exchange, typed Values, cookies []*http.Cookie) (*Submission, error) {
	var notReplayable []string
	for _, x := range sent {
		if pw := typed[Password]; pw != "" && strings.Contains(unescape(x.URL), pw) {
			return nil, fmt.Errorf("the %s form on %s sends the password in the URL (%s %s): fix the form (method=\"post\", or preventDefault in its handler); the audit does not replay it",
				kind, page, x.Method, withoutQuery(x.URL))
		}
		if x.Method == http.MethodGet || x.Method == http.MethodHead || x.Method == http.MethodOptions || x.RequestBody == "" {
			continue
		}
		s, err := template(kind, page, x, typed)
		if err != nil {
			notReplayable = append(notReplayable, err.Error())
			continue
		}
		if s == nil {
			continue
		}
		s.Cookies = cookies
		return s, nil
	}
	if len(notReplayable) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotSent, strings.Join(notReplayable, "; "))
	}
	return nil, fmt.Errorf("%w (the %s form on %s: no request after the submit carried the typed address)", ErrNotSent, kind, page)
}

// template makes x a submission when its body carries the typed address (and, for a login, the password); nil
// when it carries neither.
func template(kind Kind, page string, x browser.Exchange, typed Values) (*Submission, error) {
	ct := x.RequestHeader["content-type"]
	media, _, _ := mime.ParseMediaType(ct)
	s := &Submission{Kind: kind, Source: Recorded, Method: x.Method, URL: x.URL, Page: page, body: []byte(x.RequestBody),
		fields: map[Role][][]string{}, Header: replayHeaders(x.RequestHeader)}
	switch {
	case media == formEncoded:
		form, err := url.ParseQuery(x.RequestBody)
		if err != nil {
			return nil, nil
		}
		s.Encoding = formEncoded
		for role, v := range typed {
			for key, vals := range form {
				if v != "" && len(vals) > 0 && vals[0] == v {
					s.fields[role] = append(s.fields[role], []string{key})
				}
			}
		}
	case media == jsonEncoded || strings.HasSuffix(media, "+json") || (media == "text/plain" && json.Valid(s.body)):
		var doc any
		if err := json.Unmarshal(s.body, &doc); err != nil {
			return nil, nil
		}
		s.Encoding = jsonEncoded
		for role, v := range typed {
			if v != "" {
				s.fields[role] = findPaths(doc, v, nil)
			}
		}
	default:
		if email := typed[Email]; email != "" && strings.Contains(x.RequestBody, email) {
			return nil, fmt.Errorf("%s %s sends a %s body, which the audit does not replay", x.Method, withoutQuery(x.URL), media)
		}
		return nil, nil
	}
	if !s.Has(Email) || (kind == Login && !s.Has(Password)) {
		return nil, nil
	}
	return s, nil
}

// replayHeaders keeps what the app's script chose to send (content type, CSRF and API-key headers, Origin and
// Referer) and drops what the browser or the transport adds, and the cookies, which travel in the jar.
func replayHeaders(h map[string]string) http.Header {
	out := http.Header{}
	for k, v := range h {
		switch k = strings.ToLower(k); {
		case strings.HasPrefix(k, ":"), strings.HasPrefix(k, "sec-"), k == "cookie", k == "host", k == "content-length",
			k == "connection", k == "user-agent", k == "accept-encoding", k == "accept-language", k == "pragma",
			k == "cache-control", k == "priority", k == "upgrade-insecure-requests", k == "dnt":
			continue
		}
		out.Set(k, v)
	}
	return out
}

func unescape(u string) string {
	if s, err := url.QueryUnescape(u); err == nil {
		return s
	}
	return u
}

func withoutQuery(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}
