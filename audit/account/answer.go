package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// LockoutText is what a page says when it refuses for being asked too often (a lockout, a captcha), not for what
// was sent.
var LockoutText = regexp.MustCompile(`(?i)too many (\w+ )?(attempts|requests|tries)|try again (later|in)|temporarily locked|account (is )?locked|rate limit|captcha|wait (\d+|a few|a) (seconds?|minutes?)|already requested .{0,60}recently`)

// Limited reports an answer that refused for being one too many, not for its values: a 429 or 423, or words that
// say so ("Too many attempts").
func Limited(status int, said string) bool {
	return status == 429 || status == 423 || LockoutText.MatchString(said)
}

// limitInText finds a limit in a page's plain text: LockoutText without the words a page shows for other reasons
// ("protected by reCAPTCHA", an API product's "rate limits").
var limitInText = regexp.MustCompile(`(?i)too many (\w+ )?(attempts|requests|tries)|try again (later|in)|temporarily locked|wait (\d+|a few|a) (seconds?|minutes?)|already requested .{0,60}recently`)

// HeldOff reports a refused login the app turned away for the attempts before it, not for the password: a 429 or
// 423, or a page that says so in words about time and attempts (not a captcha widget's name, which a login page
// may show on every visit).
func HeldOff(status int, said string) bool {
	return status == 429 || status == 423 || limitInText.MatchString(said)
}

// LimitSaid says how a form's answer shows a limit refused it ("" when it does not): its status or API call (429,
// 423), its alert or message, or the words around the limit in the page's text, where some apps write it in a
// plain paragraph (Gitea: "Please wait 3 minutes and try again."). In the text it looks only for words about time
// and attempts (limitInText), which a page seldom shows for other reasons; it serves the reset request, whose mail
// is what counts, and the enumeration, for which a limit's answer is no answer on the address.
func LimitSaid(r *browser.FormResult) string {
	if LimitedForm(r) {
		return Clip(strings.TrimSpace(fmt.Sprintf("answer %d %s %s", r.Status, r.Alert, r.Message)), 160)
	}
	loc := limitInText.FindStringIndex(r.Text)
	if loc == nil {
		return ""
	}
	// The sentence that says it, and the one after ("… recently. Please wait 3 minutes and try again.").
	from, to := strings.LastIndexAny(r.Text[:loc[0]], ".!?\n")+1, loc[1]
	for range 2 {
		i := strings.IndexAny(r.Text[to:], ".!?\n")
		if i < 0 {
			to = len(r.Text)
			break
		}
		to += i + 1
	}
	return Clip(strings.TrimSpace(r.Text[from:to]), 160)
}

// LimitedForm reports a form the browser sent whose answer a limit gave, by its status (the page's, or the API's
// when a script sent it) and what the page showed.
func LimitedForm(r *browser.FormResult) bool {
	if Limited(r.Status, r.Alert+" "+r.Message) {
		return true
	}
	for _, x := range r.Sent {
		if x.IsAPI() && (x.Status == 429 || x.Status == 423) {
			return true
		}
	}
	return false
}

// FailedForm reports a form the browser sent that the app failed to answer on its merits: a 5xx for the page, or
// for the API call a script sent it with. The form back after that is no refusal of what was typed.
func FailedForm(r *browser.FormResult) bool {
	if r.Status >= 500 {
		return true
	}
	for _, x := range r.Sent {
		if x.IsAPI() && x.Method != "GET" && x.Status >= 500 {
			return true
		}
	}
	return false
}

// LimitedLogin reports a browser login that a limit refused (429, 423, "Too many attempts"), by what the app
// answered and showed, never by the tool's own words around it.
func LimitedLogin(err error) bool {
	var le *browser.LoginError
	return errors.As(err, &le) && Limited(le.Status, le.Said)
}

// RefusedLogin reports a browser login the app turned down on its merits: it answered the credentials (the form
// back, a 4xx) and no limit gave the answer. Any other failure (no form, a 5xx, a page that did not load) says
// nothing about the credentials.
func RefusedLogin(err error) bool {
	var le *browser.LoginError
	return errors.As(err, &le) && le.Refused && !Limited(le.Status, le.Said)
}

// Outcome is how the app answered one replayed submission of a form.
type Outcome string

// The outcomes of a submission.
const (
	Accepted Outcome = "accepted"              // the app took it: a redirect onwards, a page without the form, a 2xx without errors
	Invalid  Outcome = "refused by validation" // the app judged the values and said no: the form back with its message, a 4xx with errors
	Errored  Outcome = "error"                 // the app failed: a 5xx
)

// Answer reads how the app answered a submission of s, as a person would, and quotes the app's own message when it
// gives one. A limit (429, a lockout page) is the caller's to recognise first; this only tells accepted from refused.
func (s *Submission) Answer(resp *probe.Response) (Outcome, string) {
	msg := Message(resp)
	switch {
	case resp.Status >= 500:
		return Errored, msg
	case resp.Status >= 400:
		return Invalid, msg
	case resp.Status >= 300:
		// Back to the form's own page is how many frameworks answer invalid input (a flash in the session).
		if loc, err := url.Parse(resp.Header.Get("Location")); err == nil {
			if page, err := url.Parse(s.Page); err == nil && page.ResolveReference(loc).Path == page.Path {
				return Invalid, "sent back to the form's page"
			}
		}
		return Accepted, msg
	}
	if isJSON(resp) {
		if jsonErrors(resp.Body) {
			return Invalid, msg
		}
		return Accepted, msg
	}
	if s.formBack(resp) {
		return Invalid, msg
	}
	return Accepted, msg
}

// formBack reports whether the answer is a page showing the same kind of form again.
func (s *Submission) formBack(resp *probe.Response) bool {
	base, err := url.Parse(resp.URL)
	if err != nil {
		return false
	}
	if s.Kind == Login || s.Kind == Signup {
		_, ok := findPasswordForm(resp.Body, base)
		return ok
	}
	_, ok := findEmailForm(resp.Body, base)
	return ok && messageIn(resp.Body, errorBox) != ""
}

func isJSON(resp *probe.Response) bool {
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	return strings.Contains(ct, "json") || (len(bytes.TrimSpace(resp.Body)) > 0 && bytes.TrimSpace(resp.Body)[0] == '{' && json.Valid(resp.Body))
}

// csrfRefusal is an answer that refuses the request itself, not the values in it: "invalid CSRF token",
// "Invalid authenticity token", "CSRF verification failed", "page expired" (Laravel's 419).
var csrfRefusal = regexp.MustCompile(`(?i)(invalid|missing|mismatch\w*|bad|expired)\W{1,3}(csrf|xsrf|authenticity)|(csrf|xsrf)[\w ]{0,20}(invalid|missing|mismatch|fail|verif)|forgery protection|page expired|origin not allowed`)

// TurnedAway says why an answer refused a replayed request before the app's handler looked at its values: a method
// or content type the route does not take, a CSRF check (a 403, 419 or 422 saying so, or a redirect to a page that
// reports a CSRF error, as NextAuth's sign-in does). "" when the handler answered.
func TurnedAway(resp *probe.Response) string {
	switch resp.Status {
	case 405:
		return "method not allowed"
	case 415:
		return "content type not accepted"
	}
	if (resp.Status == 403 || resp.Status == 419 || resp.Status == 422) && csrfRefusal.Match(resp.Body) {
		return "a CSRF check"
	}
	if resp.Status >= 300 && resp.Status < 400 && strings.Contains(strings.ToLower(resp.Header.Get("Location")), "csrf") {
		return "a CSRF check"
	}
	return ""
}

// Shown is what an answer shows a person: the text of an HTML page without its scripts, styles and markup, or the
// body as it is (JSON, plain text).
func Shown(resp *probe.Response) string {
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if !strings.Contains(ct, "html") && !bytes.HasPrefix(bytes.TrimSpace(resp.Body), []byte("<")) {
		return string(resp.Body)
	}
	return strings.Join(strings.Fields(visibleText(resp.Body, false)), " ")
}

// ShownLines is the visible text of an HTML body line by line, as the page draws it (a line per <br> and per
// block), each line's spaces collapsed; "" for a body that is not HTML. A stack trace an error page writes as
// "<br> &nbsp; &nbsp;at parse (/app/...)" (Express's, in development) reads as the lines it shows.
func ShownLines(body []byte) string {
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
		return ""
	}
	var lines []string
	for _, l := range strings.Split(visibleText(body, true), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			lines = append(lines, strings.Join(f, " "))
		}
	}
	return strings.Join(lines, "\n")
}

// blocks are the elements a page draws on lines of their own.
var blocks = map[string]bool{"p": true, "div": true, "li": true, "tr": true, "pre": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true}

// visibleText is the text of an HTML document without its scripts, styles and head, with a line break at each
// <br> and after each block when lines is set.
func visibleText(body []byte, lines bool) string {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "noscript", "template", "head":
				return
			case "br":
				if lines {
					b.WriteByte('\n')
				}
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if lines && n.Type == html.ElementNode && blocks[n.Data] {
			b.WriteByte('\n')
		}
	}
	walk(doc)
	return b.String()
}

// jsonErrors reports whether a JSON answer carries errors: a non-empty "error" or "errors", or "ok"/"success" false.
func jsonErrors(body []byte) bool {
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return false
	}
	for _, k := range []string{"error", "errors", "error_description", "fieldErrors"} {
		switch v := doc[k].(type) {
		case string:
			if v != "" {
				return true
			}
		case map[string]any:
			if len(v) > 0 {
				return true
			}
		case []any:
			if len(v) > 0 {
				return true
			}
		case bool:
			if v {
				return true
			}
		}
	}
	for _, k := range []string{"ok", "success"} {
		if v, ok := doc[k].(bool); ok && !v {
			return true
		}
	}
	return false
}

// Message is the app's own words in an answer: a JSON error or message, or a page's flash, alert or field error
// (never a label), "" when it says nothing readable.
func Message(resp *probe.Response) string {
	if isJSON(resp) {
		var doc any
		if json.Unmarshal(resp.Body, &doc) == nil {
			return Clip(firstText(doc, 0), 200)
		}
		return ""
	}
	if m := messageIn(resp.Body, errorBox); m != "" {
		return m
	}
	return messageIn(resp.Body, noticeBox)
}

// firstText is the first message-like string in a JSON answer: under error, errors, message, detail, msg, title.
func firstText(doc any, depth int) string {
	if depth > 4 {
		return ""
	}
	switch n := doc.(type) {
	case string:
		return n
	case []any:
		for _, v := range n {
			if s := firstText(v, depth+1); s != "" {
				return s
			}
		}
	case map[string]any:
		for _, k := range []string{"error", "errors", "message", "detail", "msg", "error_description", "title", "fieldErrors"} {
			if v, ok := n[k]; ok {
				if s := firstText(v, depth+1); s != "" {
					return s
				}
			}
		}
		if depth > 0 { // inside errors: {"handle": "…"} or {"handle": ["…"]}
			for _, v := range n {
				if s := firstText(v, depth+1); s != "" {
					return s
				}
			}
		}
	}
	return ""
}

var (
	// errorBox and noticeBox find a page's messages by role and class, as the browser's reader does.
	errorBox  = regexp.MustCompile(`(?i)(^|[\s_-])(alert-danger|alert-error|flash-error|flash-alert|negative|is-danger|invalid-feedback|field-error|form-error|error-message|errorlist|errors?|text-danger|toast-error)($|[\s_-])`)
	noticeBox = regexp.MustCompile(`(?i)(^|[\s_-])(alert-success|flash-success|flash-notice|positive|is-success|notice|flash|alert)($|[\s_-])`)
)

// messageIn is the text of the page's first element that is a message box (role=alert, or a class box matches)
// and holds no form control or label: the flash, not the field container that merely has an "error" class.
func messageIn(page []byte, box *regexp.Regexp) string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return ""
	}
	var found string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found != "" {
			return
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "template", "head", "label", "input", "select", "textarea", "button", "noscript":
				return
			}
			role := strings.ToLower(attr(n, "role"))
			isBox := box.MatchString(attr(n, "class")) || (box == errorBox && role == "alert") || (box == noticeBox && role == "status")
			if isBox && !hasControl(n) {
				if t := strings.Join(strings.Fields(text(n)), " "); t != "" {
					found = Clip(t, 300)
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

// hasControl reports whether n holds a form control or a label: a field's container, not a message.
func hasControl(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			switch c.Data {
			case "input", "select", "textarea", "label", "button", "form":
				return true
			}
			if hasControl(c) {
				return true
			}
		}
	}
	return false
}

// Clip cuts s to about n bytes, at a character's start, and marks the cut with "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
