package account

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/launchready/launchready/browser"
)

// The malformed bodies are the app's own submission with one thing wrong: a server form keeps its CSRF token and
// its other fields, in its own encoding, and the JSON ones keep the app's shape (a GraphQL login's variables too).
func TestMalformedKeepsTheAppsOwnSubmission(t *testing.T) {
	form := exchange("POST", "https://app.test/login", "application/x-www-form-urlencoded",
		"authenticity_token=tok-42&user%5Bemail%5D=alice%40example.test&user%5Bpassword%5D=Typed-Secret-42&remember=1", nil)
	graphql := exchange("POST", "https://app.test/graphql", "application/json",
		`{"query":"mutation Login($input: LoginInput!) { login(input: $input) { token } }","variables":{"input":{"email":"alice@example.test","password":"Typed-Secret-42"}}}`, nil)
	tests := []struct {
		name string
		sent browser.Exchange
		want map[string]func(ct string, body []byte) bool
	}{
		{"server form", form, map[string]func(string, []byte) bool{
			"missing fields": func(ct string, b []byte) bool {
				v, _ := url.ParseQuery(string(b))
				return ct == formEncoded && v.Get("authenticity_token") == "tok-42" && v.Get("remember") == "1" && !v.Has("user[email]") && !v.Has("user[password]")
			},
			"fields as lists": func(ct string, b []byte) bool {
				v, _ := url.ParseQuery(string(b))
				return v.Get("authenticity_token") == "tok-42" && len(v["user[email][]"]) == 2 && !v.Has("user[email]")
			},
			"fields as objects": func(ct string, b []byte) bool {
				v, _ := url.ParseQuery(string(b))
				return v.Get("authenticity_token") == "tok-42" && v.Get("user[password][$ne]") != "" && !v.Has("user[password]")
			},
			"an escape that does not decode": func(ct string, b []byte) bool {
				_, err := url.ParseQuery(string(b))
				return err != nil && strings.Contains(string(b), "authenticity_token=tok-42")
			},
			"broken JSON": func(ct string, b []byte) bool { return ct == jsonEncoded && !json.Valid(b) },
		}},
		{"GraphQL login", graphql, map[string]func(string, []byte) bool{
			"broken JSON":        func(ct string, b []byte) bool { return ct == jsonEncoded && !json.Valid(b) },
			"wrong content type": func(ct string, b []byte) bool { return ct == "text/plain" && json.Valid(b) },
			"wrong types": func(ct string, b []byte) bool {
				in := variables(t, b)
				_, num := in["email"].(float64)
				_, list := in["password"].([]any)
				return num && list // the address a number, the password a list
			},
			"missing fields": func(ct string, b []byte) bool {
				in := variables(t, b)
				return in != nil && len(in) == 0 && strings.Contains(string(b), "mutation Login")
			},
			"unexpected field": func(ct string, b []byte) bool {
				in := variables(t, b)
				return in["isAdmin"] == true && in["password"] != nil
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := FromTraffic(Login, "https://app.test/login", []browser.Exchange{tt.sent}, typed, nil)
			if err != nil {
				t.Fatal(err)
			}
			req, err := sub.Request(Values{Email: "launchready@example.test", Password: "not-the-password"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := sub.Malformed(req.Body)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d malformed bodies, want %d", len(got), len(tt.want))
			}
			for _, m := range got {
				ok, known := tt.want[m.Name]
				if !known || !ok(m.ContentType, m.Body) {
					t.Errorf("%s: %s %q is not as wanted", m.Name, m.ContentType, m.Body)
				}
				if strings.Contains(string(m.Body), "Typed-Secret-42") {
					t.Errorf("%s carries the typed password", m.Name)
				}
			}
		})
	}
}

// variables decodes a GraphQL body's variables.input (nil when it does not decode).
func variables(t *testing.T, b []byte) map[string]any {
	var doc struct {
		Variables struct {
			Input map[string]any `json:"input"`
		} `json:"variables"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	return doc.Variables.Input
}
