package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// maxItems bounds the items one account's lists lead to: one per list, this many lists in all.
const maxItems = 4

// itemsOfLists follows the lists an account's API answered with to one item each, the way its app opens one: a GET
// of /items/notes answered with [{"id": 1, …}] leads to /items/notes/1, fetched as the account. A list an app draws
// as rows with click handlers (Directus) is never opened by a walk that follows links, and a list names no object
// in its request: the item is where the account's object is named, the request an ID swap replays. Only an item
// the app answers 200 with JSON is kept, as a request of the account's; a route the app does not serve costs one
// request. Only a list of the account's own data is followed (its answer holds one of the account's private values:
// what the other account was never shown), and not one whose items the account already opened.
func itemsOfLists(ctx context.Context, t *audit.Target, acc *account) []browser.Exchange {
	opened := map[string]bool{} // the paths of items the account's traffic already holds, their ID made {id}
	for _, x := range acc.Traffic {
		if u, err := url.Parse(x.URL); err == nil {
			opened[itemShape(u.Path)] = true
		}
	}
	var out []browser.Exchange
	tried := map[string]bool{}
	for _, x := range acc.Traffic {
		if len(tried) >= maxItems {
			break
		}
		u, err := url.Parse(x.URL)
		if err != nil || x.Method != http.MethodGet || !x.IsAPI() || x.Status != 200 || !t.Probe.InScope(u) || !strings.Contains(x.MIME, "json") {
			continue
		}
		base := strings.TrimSuffix(u.Path, "/")
		shape := itemShape(base)
		if base == "" || strings.HasSuffix(shape, "{id}") || opened[shape+"/{id}"] || tried[shape] {
			continue // an item already, or a list whose items were opened or tried
		}
		id := firstItemID(x.Body)
		if id == "" || leaked(x.Body, acc.Private) == "" {
			continue
		}
		tried[shape] = true
		item := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: base + "/" + url.PathEscape(id)}
		// As every replay of the account's goes: its credentials, and the headers its app's scripts add (an apikey).
		req := acc.apply(&probe.Request{URL: item.String(), Header: http.Header{"Accept": {"application/json"}}})
		resp, err := t.Probe.Do(ctx, req)
		if err != nil || resp.Status != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "json") || !json.Valid(resp.Body) {
			continue
		}
		out = append(out, browser.Exchange{Method: http.MethodGet, URL: item.String(), Type: "Fetch", Status: resp.Status,
			RequestHeader: x.RequestHeader, ResponseHeader: map[string]string{"content-type": resp.Header.Get("Content-Type")},
			MIME: resp.Header.Get("Content-Type"), Body: resp.Body, Initiator: x.Initiator, MainFrame: x.MainFrame})
	}
	return out
}

// firstItemID is the id of the first object of a list answer: an array of objects, or an object whose one array
// of objects is its list ({"data": […]}, {"items": […], "total": 3}); "" when there is none.
func firstItemID(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return ""
	}
	list, ok := doc.([]any)
	if m, isObj := doc.(map[string]any); isObj {
		var lists [][]any
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if l, isList := m[k].([]any); isList && len(l) > 0 {
				lists = append(lists, l)
			}
		}
		if len(lists) == 1 {
			list, ok = lists[0], true
		}
	}
	if !ok || len(list) == 0 {
		return ""
	}
	first, isObj := list[0].(map[string]any)
	if !isObj {
		return ""
	}
	switch id := first["id"].(type) {
	case json.Number:
		if n, err := strconv.ParseInt(id.String(), 10, 64); err == nil && n >= 0 {
			return id.String()
		}
	case string:
		if idKind(id) != "" {
			return id
		}
	}
	return ""
}

// itemShape is a path with its ID-shaped segments made {id}.
func itemShape(p string) string {
	segs := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for i, s := range segs {
		if idKind(s) != "" {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}
