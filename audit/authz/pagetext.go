package authz

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/launchready/launchready/browser"
)

// isHTML reports an answer that is a web page rather than data.
func isHTML(mime string, body []byte) bool {
	if strings.Contains(mime, "html") {
		return true
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// chrome is what every account's pages share and what says nothing about whose page it is: the layout around the
// content, and what is not shown at all.
var chrome = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Select: true, atom.Button: true,
}

// blocks end a chunk of text: a paragraph, a cell, a list item, a heading.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Li: true, atom.Td: true, atom.Th: true, atom.Tr: true, atom.Dd: true,
	atom.Dt: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Section: true, atom.Article: true, atom.Pre: true, atom.Blockquote: true, atom.Br: true, atom.Table: true,
	atom.Ul: true, atom.Ol: true, atom.Label: true, atom.Main: true, atom.Form: true, atom.A: true,
}

// pageText is the visible text of a page's main content, one chunk per block (a heading, a paragraph, a cell, a
// link): without scripts, styles and hidden elements, and without the page chrome (header, nav, footer, aside)
// that is the same for everyone. When the page marks its main content (<main> or role="main"), only that.
func pageText(body []byte) []string {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	root := findMain(doc)
	if root == nil {
		root = doc
	}
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.Join(strings.Fields(cur.String()), " "); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			cur.WriteByte(' ')
			return
		case html.ElementNode:
			if chrome[n.DataAtom] || hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" {
				return
			}
		}
		block := n.Type == html.ElementNode && blocks[n.DataAtom]
		if block {
			flush()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			flush()
		}
	}
	walk(root)
	flush()
	return out
}

// findMain returns the page's main content element, if it marks one.
func findMain(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && (n.DataAtom == atom.Main || attr(n, "role") == "main") {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if m := findMain(c); m != nil {
			return m
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// content is what an answer says, for judging: a page's main text, a data answer as it is.
func content(mime string, body []byte) []byte {
	if !isHTML(mime, body) {
		return body
	}
	return []byte(strings.Join(pageText(body), "\n"))
}

// exchangeContent is content for a recorded exchange.
func exchangeContent(x browser.Exchange) []byte { return content(x.MIME, x.Body) }
