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
// titles, IDs) that appear in none of the other account's answers, plus what the caller knows is the owner's
// (the account's email). Finding one of them in someone else's answer proves a leak.
func privateValues(owner, other []browser.Exchange, known ...string) []string {
	var otherBodies [][]byte
	for _, x := range other {
		otherBodies = append(otherBodies, x.Body)
	}
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) < minValue || len(v) > maxValue || seen[v] || len(out) >= maxValues || boring(v) {
			return
		}
		seen[v] = true
		for _, b := range otherBodies {
			if bytes.Contains(b, []byte(v)) {
				return
			}
		}
		out = append(out, v)
	}
	for _, k := range known {
		add(k)
	}
	for _, x := range owner {
		if !isJSON(x) {
			continue
		}
		var doc any
		if json.Unmarshal(x.Body, &doc) == nil {
			walkStrings(doc, add)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) }) // the most telling first
	return out
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
		if bytes.Contains(body, []byte(v)) {
			return v
		}
		if esc, err := json.Marshal(v); err == nil && bytes.Contains(body, esc[1:len(esc)-1]) {
			return v
		}
	}
	return ""
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
