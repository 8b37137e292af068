package secrets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
)

// corpusFile is one real SDK bundle of testdata/corpus (see its README), as the browser would download it.
type corpusFile struct {
	Name, Package string
	Body          []byte
}

// corpus reads testdata/corpus/MANIFEST.tsv and the files it lists, unzipping the .gz ones.
func corpus(t testing.TB) []corpusFile {
	t.Helper()
	f, err := os.Open("testdata/corpus/MANIFEST.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusFile
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 {
			continue
		}
		body, err := os.ReadFile(filepath.Join("testdata/corpus", cols[0]))
		if err != nil {
			t.Fatal(err)
		}
		name := cols[0]
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
			name = strings.TrimSuffix(name, ".gz")
		}
		out = append(out, corpusFile{Name: name, Package: cols[1] + "@" + cols[2], Body: body})
	}
	if len(out) < 15 {
		t.Fatalf("the corpus lists %d files, want at least 15", len(out))
	}
	return out
}

// Every bundle of the corpus is recognised as a library by what it ships with: its banner, its file name.
func TestLibraryRecognisesTheCorpus(t *testing.T) {
	for _, f := range corpus(t) {
		if why := Library("https://app.test/static/js/"+f.Name, f.Body); why == "" {
			t.Errorf("%s (%s) is not recognised as a library", f.Name, f.Package)
		}
	}
	for _, app := range []struct{ where, body string }{
		{"https://app.test/assets/index-7f3a9c.js", `const config={apiUrl:"/api"};console.log("app")`},
		{"https://app.test/config.js", `window.APP = {}`},
		{"https://app.test/_next/static/chunks/pages/index-3f9a.js", `(self.webpackChunk=self.webpackChunk||[]).push([[405],{}])`},
	} {
		if why := Library(app.where, []byte(app.body)); why != "" {
			t.Errorf("%s is the app's own code, recognised as a library: %s", app.where, why)
		}
	}
}

// The generic rule's matches: a credential-shaped literal warns; code, words and alphabets are no finding.
func TestCredentialShape(t *testing.T) {
	tests := []struct {
		line, secret string
		want         bool
	}{
		{`const cfg = {internalApiKey: "q8Z2vN5xR1tW7yB4mK9pL3sD"}`, "q8Z2vN5xR1tW7yB4mK9pL3sD", true},
		{`SECRET_TOKEN='a9f8e7d6c5b4a3f2e1d0c9b8'`, "a9f8e7d6c5b4a3f2e1d0c9b8", true},
		{`this.authStore=new LocalAuthStore,this.collections=new CollectionService(this)`, "this.collections=new", false},
		{`label:"Copy Line Down",keys:"Shift+Alt+Down"`, "Shift+Alt+Down", false},
		{`ENCODED_VALS_BASE:"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"`, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", false},
		{`settingsKey:"ChatEditingSessionChangesFileHeaderRightToolbar"`, "ChatEditingSessionChangesFileHeaderRightToolbar", false},
		{`var token = q8Z2vN5xR1tW7yB4mK9pL3sD;`, "q8Z2vN5xR1tW7yB4mK9pL3sD", false},              // not a literal
		{`const colour = "q8Z2vN5xR1tW7yB4mK9pL3sD"`, "q8Z2vN5xR1tW7yB4mK9pL3sD", false},          // not a key-like name
		{`apiKey: "aaaaaaaaaaaaaaaa1111111111111111"`, "aaaaaaaaaaaaaaaa1111111111111111", false}, // not random
	}
	for _, tt := range tests {
		why := credentialShape(tt.secret, "", tt.line)
		if (why == "") != tt.want {
			t.Errorf("credentialShape(%q in %q) = %q, want a credential: %v", tt.secret, tt.line, why, tt.want)
		}
	}
}

// randomOf is n random characters of alphabet.
func randomOf(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

const (
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	alnum       = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// planted are the real-shaped secrets of a config script, made fresh for each run (none is stored in the repo),
// and the public-by-design keys beside them.
type planted struct {
	stripe, serviceRole, awsID, awsSecret, generic string
	anon, firebase, publishable                    string
}

func plant(t *testing.T) planted {
	sign := func(role string) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "supabase", "ref": "abcdefghijklmnopqrst", "role": role,
			"iat": time.Now().Unix(), "exp": time.Now().AddDate(10, 0, 0).Unix()}).SignedString([]byte(randomOf(alnum, 40)))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	return planted{
		stripe: "sk_live_" + randomOf(alnum, 24), serviceRole: sign("service_role"),
		awsID: "AKIA" + randomOf(upperDigits, 16), awsSecret: randomOf(alnum+"/+", 40),
		generic: randomOf(alnum, 28) + "7",
		anon:    sign("anon"), firebase: "AIza" + randomOf(alnum+"-_", 35), publishable: "pk_live_" + randomOf(alnum, 24),
	}
}

func (p planted) script() string {
	return fmt.Sprintf(`window.APP_CONFIG = {
  stripeSecret: "%s",
  supabaseServiceKey: "%s",
  awsAccessKeyId: "%s",
  awsSecretAccessKey: "%s",
  internalApiKey: "%s",
  supabaseAnonKey: "%s",
  firebase: { apiKey: "%s", authDomain: "app.firebaseapp.com" },
  stripePublishableKey: "%s"
};
`, p.stripe, p.serviceRole, p.awsID, p.awsSecret, p.generic, p.anon, p.firebase, p.publishable)
}

// servedSDKs are the corpus files the end-to-end test serves: the SDKs of a typical Supabase, PocketBase or
// Firebase app (the whole corpus is scanned file by file above; the race detector makes 5 MB of it slow twice).
var servedSDKs = map[string]bool{"supabase-js.umd.js": true, "pocketbase.umd.js": true, "firebase-auth.js": true,
	"firebase-app-compat.js": true, "stripe-js.js": true, "react-dom.production.min.js": true, "axios.min.js": true,
	"sentry-browser.bundle.min.js": true}

// The SDKs served by an app beside a config script with planted secrets: every planted secret fails with its
// provider's name (the generic-looking one warns), nothing is found in the library files, the public keys are info,
// and the evidence says which files were recognised as libraries.
func TestClientBundleOnTheCorpus(t *testing.T) {
	browsertest.Bin(t)
	var files []corpusFile
	for _, f := range corpus(t) {
		if servedSDKs[f.Name] {
			files = append(files, f)
		}
	}
	if len(files) != len(servedSDKs) {
		t.Fatalf("%d of the %d SDKs to serve are in the corpus", len(files), len(servedSDKs))
	}
	p := plant(t)
	mux := http.NewServeMux()
	var tags strings.Builder
	for _, f := range files {
		if strings.HasPrefix(f.Name, "three.") || strings.HasPrefix(f.Name, "firebase-") && !strings.Contains(f.Name, "compat") {
			fmt.Fprintf(&tags, "<script type=\"module\" src=\"/vendor/%s\"></script>\n", f.Name)
		} else {
			fmt.Fprintf(&tags, "<script defer src=\"/vendor/%s\"></script>\n", f.Name)
		}
		body := f.Body
		mux.HandleFunc("/vendor/"+f.Name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(body)
		})
	}
	mux.HandleFunc("/config.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		io.WriteString(w, p.script())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<!doctype html><html><head><title>Corpus</title>\n%s<script src=\"/config.js\"></script></head><body><main>app</main></body></html>", tags.String())
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	target, err := audit.NewTarget(&audit.Plan{Name: "corpus", App: srv.URL + "/"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)

	got := ClientBundle(t.Context(), target)
	if got.Status != audit.Fail {
		t.Fatalf("got %s %q, want fail", got.Status, got.Summary)
	}
	var all strings.Builder
	all.WriteString(got.Summary)
	for _, ev := range got.Evidence {
		fmt.Fprintf(&all, "\n%s | %s | %s", ev.Label, ev.Request, ev.Excerpt)
		if strings.Contains(ev.Request, "/vendor/") {
			t.Errorf("a finding in a library file: %s %s %s", ev.Label, ev.Request, ev.Excerpt)
		}
	}
	text := all.String()
	for _, want := range []string{"Stripe", "Supabase service_role key", "AWS", "Possible credential (generic rule)", "Supabase anon key",
		"Google / Firebase web API key", "Stripe publishable key", "recognised as open-source libraries"} {
		if !strings.Contains(text, want) {
			t.Errorf("the result does not name %q:\n%s", want, text)
		}
	}
	for _, secret := range []string{p.stripe, p.serviceRole, p.awsID, p.awsSecret, p.generic} {
		if strings.Contains(text, secret) {
			t.Errorf("a planted secret is shown whole in the result")
		}
	}
	if !strings.Contains(got.Summary, "verify and rotate it if real") {
		t.Errorf("the generic-looking key is not a warning to verify: %q", got.Summary)
	}
}
