package headers

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"golang.org/x/net/html"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// policy is a parsed Content-Security-Policy: directive name -> source list (CSP3 §2.2: ';'-separated
// directives, whitespace-separated sources, first occurrence of a directive wins).
type policy map[string][]string

func parseCSP(v string) policy {
	p := policy{}
	for _, d := range strings.Split(v, ";") {
		fields := strings.Fields(strings.TrimSpace(d))
		if len(fields) == 0 {
			continue
		}
		name := strings.ToLower(fields[0])
		if _, dup := p[name]; !dup {
			p[name] = fields[1:]
		}
	}
	return p
}

// scriptSources is the list that governs scripts: script-src, else default-src.
func (p policy) scriptSources() ([]string, string, bool) {
	for _, d := range []string{"script-src", "default-src"} {
		if srcs, ok := p[d]; ok {
			return srcs, d, true
		}
	}
	return nil, "", false
}

// weaknesses lists what lets an attacker's script run despite the policy.
func (p policy) weaknesses() []string {
	srcs, dir, ok := p.scriptSources()
	if !ok {
		return []string{"no script-src or default-src: scripts from anywhere are allowed"}
	}
	var nonceOrHash, strictDynamic bool
	for _, s := range srcs {
		ls := strings.ToLower(s)
		nonceOrHash = nonceOrHash || strings.HasPrefix(ls, "'nonce-") || strings.HasPrefix(ls, "'sha")
		strictDynamic = strictDynamic || ls == "'strict-dynamic'"
	}
	var out []string
	for _, s := range srcs {
		switch ls := strings.ToLower(s); {
		case ls == "'unsafe-inline'" && !nonceOrHash: // with a nonce or hash, CSP2+ browsers ignore unsafe-inline
			out = append(out, dir+" allows 'unsafe-inline'")
		case ls == "'unsafe-eval'":
			out = append(out, dir+" allows 'unsafe-eval'")
		case (ls == "*" || ls == "http:" || ls == "https:" || ls == "data:") && !strictDynamic:
			out = append(out, fmt.Sprintf("%s allows any source (%s)", dir, s))
		}
	}
	return out
}

// meta is one <meta> tag of a page.
type meta struct{ name, equiv, content string }

// metaTags returns the page's <meta> tags in document order.
func metaTags(body []byte) []meta {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	var out []meta
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "meta" {
			var m meta
			for _, a := range n.Attr {
				switch strings.ToLower(a.Key) {
				case "name":
					m.name = a.Val
				case "http-equiv":
					m.equiv = a.Val
				case "content":
					m.content = a.Val
				}
			}
			out = append(out, m)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// cspOf returns the enforced policies of a page: the header(s) and <meta http-equiv> tags.
func cspOf(page *probe.Response) (header []string, metas []string) {
	header = page.Header.Values("Content-Security-Policy")
	for _, m := range metaTags(page.Body) {
		if strings.EqualFold(m.equiv, "Content-Security-Policy") {
			metas = append(metas, m.content)
		}
	}
	return header, metas
}

// notInMeta are the directives a <meta> policy cannot carry: browsers ignore them there (CSP3 §3.3, §6.4.2).
var notInMeta = []string{"frame-ancestors", "report-uri", "sandbox"}

// CSP checks that a Content-Security-Policy blocks inline and wildcard scripts.
func CSP(ctx context.Context, t *audit.Target) audit.Result {
	page, undecided := mainDocument(ctx, t)
	if undecided != nil {
		return *undecided
	}
	ev := audit.Exchange("app page", page, "Content-Security-Policy", "Content-Security-Policy-Report-Only")
	header, meta := cspOf(page)
	all := append(header, meta...)
	if len(all) == 0 {
		if page.Header.Get("Content-Security-Policy-Report-Only") != "" {
			return audit.Failed(0, "only a Report-Only CSP: it reports but blocks nothing; enforce it once the reports are clean", ev)
		}
		return audit.Failed(0, "no Content-Security-Policy: an injected script runs with the user's session", ev)
	}
	var notes []audit.Evidence
	if len(meta) > 0 {
		ev.Excerpt = "<meta http-equiv=\"Content-Security-Policy\" content=\"" + strings.Join(meta, " | ") + "\">"
		var ignored []string
		for _, v := range meta {
			for _, d := range notInMeta {
				if _, ok := parseCSP(v)[d]; ok {
					ignored = append(ignored, d)
				}
			}
		}
		if len(ignored) > 0 {
			notes = append(notes, audit.Note("ignored in <meta>", strings.Join(ignored, ", ")+" in a <meta> policy is ignored by browsers: send it in the Content-Security-Policy header"))
		}
	}
	// Several policies are all enforced: a script runs only if every policy allows it.
	var weak []string
	for _, v := range all {
		w := parseCSP(v).weaknesses()
		if len(w) == 0 {
			return audit.Passed("Content-Security-Policy blocks inline and wildcard scripts", append([]audit.Evidence{ev}, notes...)...)
		}
		weak = append(weak, w...)
	}
	return audit.Warned(audit.Medium, "the CSP does not stop injected scripts: "+strings.Join(weak, "; "), append([]audit.Evidence{ev}, notes...)...)
}
