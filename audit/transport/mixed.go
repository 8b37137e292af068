package transport

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/html"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser"
)

// subresourceAttrs are the attributes through which a page loads something (href only on <link>).
var subresourceAttrs = map[string]string{"script": "src", "img": "src", "iframe": "src", "link": "href", "source": "src", "video": "src", "audio": "src", "embed": "src", "object": "data"}

// MixedContent looks for http:// subresources on HTTPS pages: in the anonymous page's HTML, and in every request
// the browser made for account A's pages (scripts can add them after load).
func MixedContent(ctx context.Context, t *audit.Target) audit.Result {
	if t.App.Scheme != "https" {
		return audit.NotRun("the app is served over http://: every subresource is unencrypted (see transport.https-redirect)")
	}
	found := map[string]string{} // http:// URL -> the page that loaded it
	s := t.Surface(ctx)
	if s.Err == nil {
		for _, u := range staticHTTP(s.Page.Body) {
			found[u] = s.Page.URL
		}
	}
	// What the browser loaded: the anonymous first page, and account A's pages when there is an account.
	traffic, berr := t.AnonymousVisit(ctx)
	var aErr error
	if t.Plan.Accounts.A != nil {
		var bs *browser.Session
		if bs, aErr = t.BrowserSession(ctx, "a"); aErr == nil {
			traffic = append(traffic, bs.Traffic...)
		}
	}
	pages := 0
	for _, x := range traffic {
		if x.Type == "Document" && strings.HasPrefix(x.URL, "https://") {
			pages++
		}
		if strings.HasPrefix(x.URL, "http://") && strings.HasPrefix(x.Initiator, "https://") {
			found[x.URL] = x.Initiator
		}
	}
	if len(found) > 0 {
		var lines []string
		for u, page := range found {
			lines = append(lines, u+"  (on "+page+")")
		}
		sort.Strings(lines)
		return audit.Failed(0, fmt.Sprintf("%d http:// subresource(s) on HTTPS pages: browsers block or flag them, and they can be altered in transit", len(found)),
			audit.Note("http:// subresources", strings.Join(lines, "\n")))
	}
	switch {
	case berr != nil && s.Err != nil:
		return audit.Undecided("could not load the app: " + s.Err.Error())
	case berr != nil:
		return audit.Undecided("the app page's HTML has no http:// subresource, but what its scripts load needs the browser: " + berr.Error())
	case aErr != nil:
		// The pages behind the login (a dashboard's images, an embed) are where mixed content usually is.
		return audit.Undecided(fmt.Sprintf("no http:// subresource on the %d HTTPS pages a visitor loads, but account A's pages could not be loaded to look at theirs: %v", pages, aErr),
			audit.Note("pages", documents(traffic)))
	}
	return audit.Passed(fmt.Sprintf("no http:// subresource on %d HTTPS pages the browser loaded (%d requests)", pages, len(traffic)),
		audit.Note("pages", documents(traffic)))
}

// staticHTTP lists the http:// subresources a page's HTML names.
func staticHTTP(page []byte) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if attr, ok := subresourceAttrs[n.Data]; ok {
				for _, a := range n.Attr {
					if a.Key == attr && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "http://") {
						if u, err := url.Parse(strings.TrimSpace(a.Val)); err == nil && !(n.Data == "link" && !isResourceLink(n)) {
							out = append(out, u.String())
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// isResourceLink reports whether a <link> loads something (a stylesheet, icon, preload), not only points somewhere.
func isResourceLink(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "rel" {
			rel := strings.ToLower(a.Val)
			return strings.Contains(rel, "stylesheet") || strings.Contains(rel, "icon") || strings.Contains(rel, "preload") || strings.Contains(rel, "manifest")
		}
	}
	return false
}

func documents(traffic []browser.Exchange) string {
	var out []string
	for _, x := range traffic {
		if x.Type == "Document" {
			out = append(out, x.URL)
		}
	}
	return strings.Join(out, "\n")
}
