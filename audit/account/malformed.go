package account

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Malformed is one malformed request body: what is wrong with it, and how it is sent.
type Malformed struct {
	Name, ContentType string
	Body              []byte
}

// Malformed derives malformed bodies from filled, a body of the submission as the app sends it (filled by
// Request, with the form's hidden fields and CSRF token): the same form, in its own encoding, to the same handler,
// with one thing wrong in each. A server-rendered form gets its fields left out, sent as a list or as an object
// (what Rails, PHP and Express's qs parse `email[]=` and `password[$ne]=` into), and an escape that does not
// decode; a JSON body gets cut short, its values of the wrong types, its fields left out, unexpected fields beside
// them. Both get broken JSON and, sent as text/plain, the body the handler would otherwise read. A probe the app's
// CSRF check turns away says nothing of the handler; these keep the token the form carries.
func (s *Submission) Malformed(filled []byte) []Malformed {
	var roles [][]string
	for _, r := range slices.Sorted(maps.Keys(s.fields)) {
		roles = append(roles, s.fields[r]...)
	}
	if s.Encoding == formEncoded {
		return s.malformedForm(filled, roles)
	}
	return s.malformedJSON(filled, roles)
}

func (s *Submission) malformedForm(filled []byte, roles [][]string) []Malformed {
	form, err := url.ParseQuery(string(filled))
	if err != nil || len(roles) == 0 {
		return nil
	}
	keys := map[string]bool{}
	for _, p := range roles {
		keys[p[0]] = true
	}
	without := func() url.Values {
		v := url.Values{}
		for k, vs := range form {
			if !keys[k] {
				v[k] = vs
			}
		}
		return v
	}
	// The fields the audit fills, sorted: an address field and a password field on a login.
	filledKeys := slices.Sorted(maps.Keys(keys))
	list, object := without(), without()
	for _, k := range filledKeys {
		list[k+"[]"] = []string{form.Get(k), form.Get(k)}
		object[k+"[$ne]"] = []string{"launchready"}
	}
	escape := without().Encode()
	for _, k := range filledKeys {
		escape += "&" + url.QueryEscape(k) + "=%C3%28%zz"
	}
	const ct = formEncoded
	return []Malformed{
		{"missing fields", ct, []byte(without().Encode())},
		{"fields as lists", ct, []byte(list.Encode())},
		{"fields as objects", ct, []byte(object.Encode())},
		{"an escape that does not decode", ct, []byte(strings.TrimPrefix(escape, "&"))},
		{"broken JSON", jsonEncoded, []byte(`{"` + filledKeys[0] + `": "launchready@example.com", "` + filledKeys[len(filledKeys)-1] + `": `)},
	}
}

func (s *Submission) malformedJSON(filled []byte, roles [][]string) []Malformed {
	var doc any
	if json.Unmarshal(filled, &doc) != nil || len(roles) == 0 {
		return nil
	}
	// Each variant starts from a fresh copy of the filled document.
	variant := func(change func(doc any) any) []byte {
		var d any
		_ = json.Unmarshal(filled, &d)
		b, _ := json.Marshal(change(d))
		return b
	}
	wrongTypes := variant(func(d any) any {
		for i, p := range roles {
			var v any = 12345
			if i%2 == 1 {
				v = []any{"not", "a", "string"}
			}
			d = setPath(d, p, v)
		}
		return d
	})
	missing := variant(func(d any) any {
		for _, p := range roles {
			if parent, ok := getPath(d, p[:len(p)-1]).(map[string]any); ok {
				delete(parent, p[len(p)-1])
			}
		}
		return d
	})
	extra := variant(func(d any) any {
		p := roles[len(roles)-1]
		if parent, ok := getPath(d, p[:len(p)-1]).(map[string]any); ok {
			parent["isAdmin"], parent["role"] = true, "owner"
		}
		return d
	})
	return []Malformed{
		{"broken JSON", jsonEncoded, filled[:len(filled)*2/3]},
		{"wrong types", jsonEncoded, wrongTypes},
		{"missing fields", jsonEncoded, missing},
		{"unexpected field", jsonEncoded, extra},
		{"wrong content type", "text/plain", filled},
	}
}
