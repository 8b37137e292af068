package authz

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/launchready/launchready/browser"
)

// Bounds on the values that prove a leak: long enough not to match by chance, short enough to be one datum.
const (
	minValue  = 4
	maxValue  = 200
	maxValues = 400
)

// privateValues are what only the owner's answers contain: strings from the owner's JSON answers (emails, names,
// titles, IDs) and blocks of text from the main content of the owner's pages in pages (a project's name, its
// notes), that appear in none of the other account's answers, plus what the caller knows is the owner's (the
// account's email). Finding one of them in someone else's answer proves a leak.
//
// A page's text only counts when the other account saw a page of the same route (pages): its own dashboard, its
// own project. Text on a page only the owner opened (a help page the other walk did not reach) could be the
// same for everyone.
func privateValues(owner, other []browser.Exchange, pages map[string]bool, known ...string) []string {
	var otherBodies [][]byte
	for _, x := range other {
		otherBodies = append(otherBodies, x.Body)
		if isHTML(x.MIME, x.Body) {
			otherBodies = append(otherBodies, exchangeContent(x))
		}
	}
	seen := map[string]bool{}
	var out []string
	add := func(v string, least int) {
		v = strings.TrimSpace(v)
		if len(v) < least || len(v) > maxValue || seen[v] || len(out) >= maxValues || boring(v) {
			return
		}
		seen[v] = true
		forms := spellings(v)
		for _, b := range otherBodies {
			if holds(b, forms) {
				return
			}
		}
		out = append(out, v)
	}
	for _, k := range known {
		add(k, minValue)
	}
	for _, x := range owner {
		switch {
		case isJSON(x):
			var doc any
			if json.Unmarshal(x.Body, &doc) == nil {
				walkStrings(doc, func(v string) { add(v, minValue) })
			}
		case pages[x.URL] && isHTML(x.MIME, x.Body):
			for _, chunk := range pageText(x.Body) {
				for _, v := range sentences(chunk) {
					add(v, minText)
				}
			}
		}
	}
	// The most telling first: words before identifiers (an ID proves less to a reader), then the longest.
	sort.SliceStable(out, func(i, j int) bool {
		if ii, ij := idKind(out[i]) != "", idKind(out[j]) != ""; ii != ij {
			return ij
		}
		return len(out[i]) > len(out[j])
	})
	return out
}

// minText is the shortest block of page text that proves whose page it is: shorter ones are labels ("Tasks").
const minText = 8

// sentences splits a long block of text into pieces that each fit a value.
func sentences(chunk string) []string {
	if len(chunk) <= maxValue {
		return []string{chunk}
	}
	return strings.FieldsFunc(chunk, func(r rune) bool { return r == '.' || r == '!' || r == '?' || r == ';' || r == '\n' })
}

func isJSON(x browser.Exchange) bool {
	return strings.Contains(x.MIME, "json") || (len(x.Body) > 0 && (x.Body[0] == '{' || x.Body[0] == '['))
}

func walkStrings(v any, add func(string)) {
	switch t := v.(type) {
	case string:
		add(t)
	case []any:
		for _, e := range t {
			walkStrings(e, add)
		}
	case map[string]any:
		for _, e := range t {
			walkStrings(e, add)
		}
	}
}

// boring values say nothing about whose data it is.
func boring(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false", "null", "none", "active", "admin", "member", "owner", "public", "private", "draft", "published":
		return true
	}
	return false
}

// leaked returns the first private value the body contains (as raw text or JSON-escaped).
func leaked(body []byte, private []string) string {
	for _, v := range private {
		if holds(body, spellings(v)) {
			return v
		}
	}
	return ""
}

// spellings are the ways an answer holds v: as raw text, and escaped inside a JSON string ("changes.\n\nLeaving")
// when that differs. What the other account's answers hold in either is no one's own; what a replay's answer
// holds in either is leaked.
func spellings(v string) [][]byte {
	forms := [][]byte{[]byte(v)}
	if esc, err := json.Marshal(v); err == nil && !bytes.Equal(esc[1:len(esc)-1], forms[0]) {
		forms = append(forms, esc[1:len(esc)-1])
	}
	return forms
}

// holds reports whether body holds one of the spellings.
func holds(body []byte, spellings [][]byte) bool {
	for _, f := range spellings {
		if bytes.Contains(body, f) {
			return true
		}
	}
	return false
}

// similar reports answers that are the same document: equal, or sharing at least 90% of their words (per-request
// tokens and timestamps aside). Length alone proves nothing: two users' profiles are the same size.
func similar(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	if bytes.Equal(a, b) {
		return true
	}
	wa, wb := words(a), words(b)
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	shared := 0
	for w := range wa {
		if wb[w] {
			shared++
		}
	}
	return float64(shared)/float64(len(wa)+len(wb)-shared) >= 0.9
}

func words(b []byte) map[string]bool {
	out := map[string]bool{}
	for _, f := range bytes.FieldsFunc(b, func(r rune) bool {
		return !(r == '@' || r == '.' || r == '-' || r == '_' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z'))
	}) {
		out[string(f)] = true
	}
	return out
}
