package browser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A saved session is read as Playwright writes it; what is not one gets an error that never quotes the file (it
// holds secrets); writing it leaves it readable by its owner only, even over a file that was readable by all.
func TestStateFiles(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, data, wantErr string
	}{
		{"playwright", `{"cookies":[{"name":"sid","value":"s3cr3t-cookie-value","domain":"app.example","path":"/","expires":-1,"httpOnly":true,"secure":true,"sameSite":"Lax"}],"origins":[{"origin":"https://app.example","localStorage":[{"name":"auth_token","value":"s3cr3t-token-value"}]}]}`, ""},
		{"not json", `{"cookies": [s3cr3t`, "not valid JSON at byte"},
		{"wrong shape", `{"cookies": {"sid": "s3cr3t"}}`, "cookies should be"},
		{"empty", `{"cookies": [], "origins": []}`, "holds no cookies and no localStorage"},
		{"missing", "", "reading the saved session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if tt.data != "" {
				os.WriteFile(path, []byte(tt.data), 0o644)
			}
			st, err := ReadState(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "s3cr3t") {
					t.Fatalf("error %v, want one with %q that quotes nothing of the file", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(st.Secrets(), " "); got != "s3cr3t-cookie-value s3cr3t-token-value" {
				t.Errorf("secrets %q", got)
			}
			if err := st.Write(path); err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("written with mode %v, want 0600", fi.Mode().Perm())
			}
			again, err := ReadState(path)
			if err != nil || len(again.Cookies) != 1 || again.Cookies[0].SameSite != "Lax" || again.Origins[0].LocalStorage[0].Name != "auth_token" {
				t.Errorf("round trip: %+v, %v", again, err)
			}
		})
	}
}

// An inline image is named by its media type, not by a base64 blob cut off midway.
func TestElementName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"IMG https://app.test/static/hero.png", "IMG https://app.test/static/hero.png"},
		{"DIV data:image/svg+xml;base64,PHN2ZyB3aWR0aD0iMTAw", "DIV data:image/svg+xml (inline)"},
		{"IMG data:image/png,iVBORw0KGgo", "IMG data:image/png (inline)"},
		{"H5", "H5"},
	} {
		if got := elementName(tt.in); got != tt.want {
			t.Errorf("elementName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
