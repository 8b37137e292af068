package account

import (
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"

	"github.com/launchready/launchready/browser"
)

// htmlForm is a form found in a page, read as the browser would submit it.
type htmlForm struct {
	Action   string // resolved against the page URL
	Method   string // GET when the form says nothing
	Explicit bool   // the form says method="post" itself: the browser would send exactly this
	// Hidden are the fields a person never types (a CSRF token) with their values; Fields the others, as the
	// browser describes them, for Classify and a Filler.
	Hidden url.Values
	Fields []browser.Field
	Order  []string // every field name, in the page's order, for the body
}

// parseForms returns every form of the page.
func parseForms(page []byte, base *url.URL) []*htmlForm {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	labels := map[string]string{}
	for _, l := range elements(doc, "label") {
		if id := attr(l, "for"); id != "" {
			labels[id] = strings.Join(strings.Fields(text(l)), " ")
		}
	}
	var out []*htmlForm
	for _, form := range elements(doc, "form") {
		f, ok := newForm(form, base)
		if !ok {
			continue
		}
		f.Hidden = url.Values{}
		for _, in := range controls(form) {
			name, typ := attr(in, "name"), strings.ToLower(attr(in, "type"))
			if in.Data != "input" {
				typ = in.Data
			} else if typ == "" {
				typ = "text"
			}
			switch typ {
			case "submit", "button", "image", "reset", "file":
				continue
			case "hidden":
				if name != "" {
					f.Hidden.Add(name, attr(in, "value"))
					f.Order = append(f.Order, name)
				}
				continue
			}
			fd := browser.Field{Tag: in.Data, Type: typ, Name: name, ID: attr(in, "id"), Placeholder: attr(in, "placeholder"),
				Autocomplete: attr(in, "autocomplete"), Pattern: attr(in, "pattern"), Required: hasAttr(in, "required"),
				Checked: hasAttr(in, "checked"), Value: attr(in, "value")}
			fd.MinLength, _ = strconv.Atoi(attr(in, "minlength"))
			fd.MaxLength, _ = strconv.Atoi(attr(in, "maxlength"))
			fd.Label = labels[fd.ID]
			if fd.Label == "" {
				fd.Label = attr(in, "aria-label")
			}
			if fd.Label == "" {
				for p := in.Parent; p != nil && p != form; p = p.Parent {
					if p.Type == html.ElementNode && p.Data == "label" {
						fd.Label = strings.Join(strings.Fields(text(p)), " ")
						break
					}
				}
			}
			switch in.Data {
			case "select":
				for _, o := range elements(in, "option") {
					v := attr(o, "value")
					if !hasAttr(o, "value") {
						v = text(o)
					}
					if hasAttr(o, "disabled") {
						continue
					}
					fd.Options = append(fd.Options, v)
					if hasAttr(o, "selected") || fd.Value == "" && len(fd.Options) == 1 {
						fd.Value = v
					}
				}
			case "textarea":
				fd.Value = text(in)
			}
			if name != "" {
				f.Fields = append(f.Fields, fd)
				f.Order = append(f.Order, name)
			}
		}
		out = append(out, f)
	}
	return out
}

// controls are a form's input, select and textarea elements, in the page's order.
func controls(form *html.Node) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "input" || n.Data == "select" || n.Data == "textarea") {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return out
}

// has reports whether the form has a field of the meaning.
func (f *htmlForm) has(m Meaning) bool { return slices.Contains(Classify(f.Fields), m) }

// findPasswordForm returns the page's first form with a password field (a login, a sign-up).
func findPasswordForm(page []byte, base *url.URL) (*htmlForm, bool) {
	for _, f := range parseForms(page, base) {
		if f.has(MeanPassword) {
			return f, true
		}
	}
	return nil, false
}

// findEmailForm returns the first form with an address field and no password field (a reset or invite request).
func findEmailForm(page []byte, base *url.URL) (*htmlForm, bool) {
	for _, f := range parseForms(page, base) {
		m := Classify(f.Fields)
		if !slices.Contains(m, MeanPassword) && slices.Contains(m, MeanEmail) && f.emailish() {
			return f, true
		}
	}
	return nil, false
}

// emailish reports whether the form's address field says it is one (a search box is not).
func (f *htmlForm) emailish() bool {
	for _, fd := range f.Fields {
		if fd.Type == "email" || emailWords.MatchString(fd.Words()) || usernameWords.MatchString(fd.Words()) {
			return true
		}
	}
	return false
}

// newForm reads a form's method (GET when unset) and its action resolved against the page.
func newForm(form *html.Node, base *url.URL) (*htmlForm, bool) {
	f := &htmlForm{Method: strings.ToUpper(strings.TrimSpace(attr(form, "method")))}
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

// LinksMatching returns the hrefs of links whose text or address matches re.
func LinksMatching(page []byte, base *url.URL, re *regexp.Regexp) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range elements(doc, "a") {
		href := attr(a, "href")
		if href == "" || inPage(href) || !(re.MatchString(href) || re.MatchString(text(a))) {
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

// inPage reports a link to a place in the same page ("#auth-sign-up"), which a script handles: no page of its own.
// A hash route ("#/signup", "#!/signup") is a page.
func inPage(href string) bool {
	return strings.HasPrefix(href, "#") && !strings.HasPrefix(href, "#/") && !strings.HasPrefix(href, "#!/")
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
