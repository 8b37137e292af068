package audit

import (
	"testing"

	"github.com/launchready/launchready/browser"
)

// What StoredValues hands the token checks: a value under the name it is kept by, whether a storage key, the key
// of an IndexedDB record that is one string (localforage, idb-keyval), or the field inside a record (an array's
// strings under the array's field).
func TestStoredValues(t *testing.T) {
	s := &browser.Session{
		Local: map[string]string{"theme": "dark"},
		IndexedDB: map[string]string{
			`keyval-store › keyval › "authToken"`: `"v1.opaque-session-value-0123456789"`,
			`app › cache › 7`:                     `{"user":{"name":"Erin","sessions":["s-1","s-2"]}}`,
			`app › blobs › "cut"`:                 `{"half a rec`,
		},
	}
	got := map[string]Stored{}
	for _, v := range StoredValues(s) {
		got[v.Where] = v
	}
	want := map[string]Stored{
		`localStorage "theme"`:                             {Key: "theme", Value: "dark"},
		`IndexedDB keyval-store › keyval › "authToken"`:    {Key: "authToken", Value: "v1.opaque-session-value-0123456789"},
		`IndexedDB app › cache › 7, field user.name`:       {Key: "name", Value: "Erin", InRecord: true},
		`IndexedDB app › cache › 7, field user.sessions.0`: {Key: "sessions", Value: "s-1", InRecord: true},
		`IndexedDB app › cache › 7, field user.sessions.1`: {Key: "sessions", Value: "s-2", InRecord: true},
		`IndexedDB app › blobs › "cut"`:                    {Key: "cut", Value: `{"half a rec`},
	}
	if len(got) != len(want) {
		t.Errorf("got %d values, want %d: %+v", len(got), len(want), got)
	}
	for where, w := range want {
		w.Where = where
		if got[where] != w {
			t.Errorf("%s: got %+v, want %+v", where, got[where], w)
		}
	}
	for _, tt := range []struct {
		name string
		want bool
	}{{"accessToken", true}, {"refresh_token", true}, {"idToken", true}, {"jwt", true}, {"sessionId", true}, {"sid", true},
		{"author", false}, {"authDomain", false}, {"accessLevel", false}, {"apiKey", false}, {"tokens", true}, {"tokenizer", false}} {
		if TokenField(tt.name) != tt.want {
			t.Errorf("TokenField(%q) = %v", tt.name, !tt.want)
		}
	}
}
