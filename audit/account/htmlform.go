package account

import (
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// htmlForm is a form found in a page, with the fields a login needs.
type htmlForm struct {
	Action   string     // resolved against the page URL
	Method   string     // GET when the form says nothing
	Explicit bool       // the form says method="post" itself: the browser would send exactly this
	Values   url.Values // every field with its default value (hidden CSRF tokens included)
	User     string     // name of the email/username field
	Password string     // name of the password field
	// Passwords are every password field (a sign-up's confirmation too); Text the other text fields (a name).
	Passwords []string
	Text      []string
}

var userField = regexp.MustCompile(`(?i)e-?mail|user|login|identifier|account`)

// findPasswordForm parses a page and returns its first form with a password field.
func findPasswordForm(page []byte, base *url.URL) (*htmlForm, bool) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, false
	}
	for _, form := range elements(doc, "form") {
		f, ok := newForm(form, base)
		if !ok {
			continue
		}
		var textFields []string
		for _, in := range elements(form, "input") {
			name, typ := attr(in, "name"), strings.ToLower(attr(in, "type"))
			if name == "" {
				continue
			}
			switch typ {
			case "password":
				if f.Password == "" {
					f.Password = name
				}
				f.Passwords = append(f.Passwords, name)
			case "email":
				if f.User == "" {
					f.User = name
				}
			case "", "text", "tel":
				textFields = append(textFields, name)
			case "checkbox", "radio":
				if !hasAttr(in, "checked") {
					continue
				}
			case "submit", "button", "image", "reset", "file":
				continue
			}
			f.Values.Set(name, attr(in, "value"))
		}
		if f.Password == "" {
			continue
		}
		if f.User == "" {
			for _, name := range textFields {
				if userField.MatchString(name) {
					f.User = name
					break
				}
			}
			if f.User == "" && len(textFields) > 0 {
				f.User = textFields[0]
			}
		}
		for _, name := range textFields {
			if name != f.User {
				f.Text = append(f.Text, name)
			}
		}
		return f, true
	}
	return nil, false
}

// newForm reads a form's method (GET when unset) and its action resolved against the page.
func newForm(form *html.Node, base *url.URL) (*htmlForm, bool) {
	f := &htmlForm{Method: strings.ToUpper(strings.TrimSpace(attr(form, "method"))), Values: url.Values{}}
	f.Explicit = f.Method == "POST"
	if f.Method == "" {
		f.Method = "GET"
	}
	action, err := base.Parse(attr(form, "action"))
	if err != nil {
		return nil, false
	}
	f.Action = action.String()
	return f, true
}

func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// findEmailForm returns the first form with an email field and no password field (a reset or invite request).
func findEmailForm(page []byte, base *url.URL) (*htmlForm, bool) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, false
	}
	for _, form := range elements(doc, "form") {
		f, ok := newForm(form, base)
		if !ok {
			continue
		}
		hasPassword := false
		for _, in := range elements(form, "input") {
			name, typ := attr(in, "name"), strings.ToLower(attr(in, "type"))
			switch {
			case typ == "password":
				hasPassword = true
			case name == "":
			case typ == "email" || (f.User == "" && (typ == "" || typ == "text") && userField.MatchString(name)):
				f.User = name
				f.Values.Set(name, "")
			case typ == "hidden":
				f.Values.Set(name, attr(in, "value"))
			}
		}
		if f.User != "" && !hasPassword {
			return f, true
		}
	}
	return nil, false
}

// LinksMatching returns the hrefs of links whose text or address matches re.
func LinksMatching(page []byte, base *url.URL, re *regexp.Regexp) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range elements(doc, "a") {
		href := attr(a, "href")
		if href == "" || !(re.MatchString(href) || re.MatchString(text(a))) {
			continue
		}
		if u, err := base.Parse(href); err == nil {
			if s := u.String(); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// ScriptSources returns the addresses of the page's external scripts, resolved against base.
func ScriptSources(page []byte, base *url.URL) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var out []string
	for _, sc := range elements(doc, "script") {
		if src := strings.TrimSpace(attr(sc, "src")); src != "" {
			if u, err := base.Parse(src); err == nil && !slices.Contains(out, u.String()) {
				out = append(out, u.String())
			}
		}
	}
	return out
}

// HasPasswordForm reports whether the page shows a form with a password field: a login that came back.
func HasPasswordForm(page []byte, pageURL string) bool {
	base, err := url.Parse(pageURL)
	if err != nil {
		return false
	}
	_, ok := findPasswordForm(page, base)
	return ok
}
