package secrets

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func token(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.NewReplacer("+", "a", "/", "b", "=", "").Replace(base64.StdEncoding.EncodeToString(b))[:n]
}

func jwtWithRole(role string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(`{"iss":"supabase","ref":"`+token(20)+`","role":"`+role+`","iat":1700000000}`)) + "." + token(43)
}

func TestOurRuleSamples(t *testing.T) {
	for _, r := range append(append([]ourRule{}, ourRules...), logPatterns...) {
		for _, s := range r.True {
			if !r.Re.MatchString(s) {
				t.Errorf("%s missed %q", r.ID, s)
			}
		}
		for _, s := range r.False {
			if r.Re.MatchString(s) {
				t.Errorf("%s matched %q", r.ID, s)
			}
		}
	}
}

// A test per kind: public-by-design keys are info with what protects the data; secrets are findings.
func TestScanClassifies(t *testing.T) {
	tests := []struct {
		name, content, rule string
		public              bool
	}{
		{"stripe publishable", `const k = "pk_live_` + token(24) + `";`, "stripe-publishable-key", true},
		{"firebase web config", `const firebaseConfig = {apiKey: "AIza` + token(35) + `", projectId: "acme"};`, "google-api-key", true},
		{"google maps browser key", `<script src="https://maps.googleapis.com/maps/api/js?key=AIza` + token(35) + `"></script>`, "google-api-key", true},
		{"supabase anon key", `createClient("https://x.supabase.co", "` + jwtWithRole("anon") + `")`, "supabase-anon-key", true},
		{"sentry dsn", `Sentry.init({dsn: "https://0123456789abcdef0123456789abcdef@o123.ingest.sentry.io/456"})`, "sentry-dsn", true},
		{"recaptcha site key", `grecaptcha.execute("6Lc` + token(37) + `")`, "recaptcha-site-key", true},
		{"stripe secret", `const k = "sk_live_` + token(24) + `";`, "stripe-access-token", false},
		{"supabase service role", `createClient(url, "` + jwtWithRole("service_role") + `")`, "supabase-service-role-key", false},
		{"database url", `DATABASE_URL="postgres://app:` + token(16) + `@db.example.com:5432/app"`, "database-url", false},
		{"private key", "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat(token(64)+"\n", 10) + "-----END RSA PRIVATE KEY-----", "private-key", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Scan("test.js", []byte(tt.content), nil)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range fs {
				if f.Rule == tt.rule {
					found = true
					if f.Public != tt.public || (f.Public && f.Protect == "") {
						t.Errorf("%s: public %v (protect %q), want %v", f.Rule, f.Public, f.Protect, tt.public)
					}
					if strings.Contains(f.Excerpt, f.Secret) || len(f.Redacted) > 9 {
						t.Errorf("evidence shows the secret: %q / %q", f.Excerpt, f.Redacted)
					}
				}
			}
			if !found {
				t.Errorf("no %s finding in %+v", tt.rule, fs)
			}
		})
	}
}

// What the audit learnt from the browser (a token it sent, a value it stored) is left out only when a login could
// have handed it to the account: a session JWT is the audit's own, a provider's private key the page sent with its
// requests is the leak itself (an app calling OpenAI or Stripe from the browser).
func TestKnownSecretsAreOnlySessionTokens(t *testing.T) {
	session := jwtWithRole("authenticated")
	tests := []struct {
		name, content, rule string
		kept                bool
	}{
		{"the account's session JWT", `localStorage.setItem("token", "` + session + `")`, "jwt", false},
		{"a Stripe secret key the page sends", `fetch(u, {headers: {Authorization: "Bearer sk_live_` + token(24) + `"}})`, "stripe-access-token", true},
		{"a service_role key the page sends", `createClient(url, "` + jwtWithRole("service_role") + `")`, "supabase-service-role-key", true},
		{"a database URL", `DATABASE_URL="postgres://app:` + token(16) + `@db.example.com:5432/app"`, "database-url", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all, err := Scan("app.js", []byte(tt.content), nil)
			if err != nil {
				t.Fatal(err)
			}
			var secret string
			for _, f := range all {
				if strings.HasPrefix(f.Rule, tt.rule) {
					secret = f.Secret
				}
			}
			if secret == "" {
				t.Fatalf("no %s finding to start from: %+v", tt.rule, all)
			}
			known := func(s string) bool { return strings.Contains(secret, s) || strings.Contains(s, secret) } // the browser sent it
			fs, err := Scan("app.js", []byte(tt.content), known)
			if err != nil {
				t.Fatal(err)
			}
			kept := false
			for _, f := range fs {
				kept = kept || strings.HasPrefix(f.Rule, tt.rule)
			}
			if kept != tt.kept {
				t.Errorf("with the value known to the audit, found %v, want %v (%+v)", kept, tt.kept, fs)
			}
		})
	}
}

func TestSecretsOnDemo(t *testing.T) {
	browsertest.Bin(t)
	flawed := demotest.Target(t, demotest.Only(demo.FlawBundleSecret, demo.FlawSourceMap, demo.FlawDebugEndpoint))
	hardened := demotest.Target(t, demo.Hardened())
	tests := []struct {
		name  string
		check func() (audit.Result, audit.Result)
		says  string
	}{
		{"client bundle", func() (audit.Result, audit.Result) {
			return ClientBundle(t.Context(), flawed), ClientBundle(t.Context(), hardened)
		}, "Supabase service_role key"},
		{"source maps", func() (audit.Result, audit.Result) {
			return SourceMaps(t.Context(), flawed), SourceMaps(t.Context(), hardened)
		}, "GitHub PAT in the sourcesContent"},
		{"debug endpoint", func() (audit.Result, audit.Result) {
			return ExposedFiles(t.Context(), flawed), ExposedFiles(t.Context(), hardened)
		}, "/debug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad, good := tt.check()
			if bad.Status != audit.Fail || !strings.Contains(bad.Summary, tt.says) {
				t.Errorf("flawed: %s %q, want fail saying %q", bad.Status, bad.Summary, tt.says)
			}
			if good.Status != audit.Pass {
				t.Errorf("hardened: %s %q, want pass", good.Status, good.Summary)
			}
		})
	}
	if got := ClientBundle(t.Context(), hardened); !strings.Contains(got.Summary, "Stripe publishable key") || !strings.Contains(got.Summary, "Supabase anon key") {
		t.Errorf("hardened bundle should list its public keys: %q", got.Summary)
	}
}

// newRepo makes an empty git repository for a test and returns it with a function running git in it.
func newRepo(t *testing.T) (string, func(args ...string) string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=t@example.test", "-c", "user.name=T", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	return dir, git
}

// A key committed, then deleted in the next commit, is still found, and its commit is named.
func TestRepoHistory(t *testing.T) {
	dir, git := newRepo(t)
	secret := "sk_live_" + token(24)
	os.WriteFile(filepath.Join(dir, "pay.js"), []byte("const stripe = require('stripe')('"+secret+"');\n"), 0o600)
	git("add", ".")
	git("commit", "-q", "-m", "add payments")
	commit := git("rev-parse", "HEAD")
	os.WriteFile(filepath.Join(dir, "pay.js"), []byte("const stripe = require('stripe')(process.env.STRIPE_KEY);\n"), 0o600)
	git("commit", "-q", "-am", "move the key to the environment")

	target, _ := audit.NewTarget(&audit.Plan{App: "https://127.0.0.1/", Repo: dir}, nil)
	got := Repo(t.Context(), target)
	var ev bytes.Buffer
	for _, e := range got.Evidence {
		ev.WriteString(e.Request + " " + e.Excerpt + "\n")
	}
	if got.Status != audit.Fail || !strings.Contains(ev.String(), commit[:10]) {
		t.Errorf("got %s %q, want a fail naming commit %s; evidence:\n%s", got.Status, got.Summary, commit[:10], ev.String())
	}
	if strings.Contains(got.Summary+ev.String(), secret) {
		t.Error("the full secret reached the result")
	}
}

// A history git cannot read (a missing object here; on a real machine often "dubious ownership" of a checkout
// another user made) was never scanned: the check says so and does not pass, even with a clean working tree.
func TestRepoHistoryUnreadable(t *testing.T) {
	dir, git := newRepo(t)
	os.WriteFile(filepath.Join(dir, "pay.js"), []byte("const stripe = require('stripe')('sk_live_"+token(24)+"');\n"), 0o600)
	git("add", ".")
	git("commit", "-q", "-m", "add payments")
	blob := git("rev-parse", "HEAD:pay.js")
	os.WriteFile(filepath.Join(dir, "pay.js"), []byte("const stripe = require('stripe')(process.env.STRIPE_KEY);\n"), 0o600)
	git("commit", "-q", "-am", "move the key to the environment")
	if err := os.Remove(filepath.Join(dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	target, _ := audit.NewTarget(&audit.Plan{App: "https://127.0.0.1/", Repo: dir}, nil)
	got := Repo(t.Context(), target)
	if got.Status == audit.Pass || strings.Contains(got.Summary, "whole git history") {
		t.Errorf("got %s %q: the history was not read, so it cannot be clean", got.Status, got.Summary)
	}
}

func TestLogs(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	os.WriteFile(log, []byte("INFO sent https://app.test/reset?token="+token(32)+" to a@b.test\nINFO ok\n"), 0o600)
	clean := filepath.Join(dir, "clean.log")
	os.WriteFile(clean, []byte("INFO GET /healthz 200\n"), 0o600)
	for _, tt := range []struct {
		file string
		want audit.Status
	}{{log, audit.Fail}, {clean, audit.Pass}} {
		target, _ := audit.NewTarget(&audit.Plan{App: "https://127.0.0.1/", Logs: []string{tt.file}}, nil)
		if got := Logs(t.Context(), target); got.Status != tt.want {
			t.Errorf("%s: %s %q, want %s", filepath.Base(tt.file), got.Status, got.Summary, tt.want)
		}
	}
}

// A log larger than what is scanned is read from its newest end, and a clean newest part is no clean log: the
// check says how much it read and does not pass.
func TestLogsLargerThanTheCap(t *testing.T) {
	defer func(n int64) { logCap = n }(logCap)
	logCap = 4 << 10
	dir := t.TempDir()
	old := strings.Repeat("INFO GET /healthz 200\n", 1000) // 22 KB, five times the cap
	for _, tt := range []struct {
		name, tail string
		want       audit.Status
	}{
		{"clean tail", "INFO GET /healthz 200\n", audit.Inconclusive},
		{"reset link in the tail", "INFO sent https://app.test/reset?token=" + token(32) + " to a@b.test\n", audit.Fail},
	} {
		log := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".log")
		os.WriteFile(log, []byte(old+tt.tail), 0o600)
		target, _ := audit.NewTarget(&audit.Plan{App: "https://127.0.0.1/", Logs: []string{log}}, nil)
		if got := Logs(t.Context(), target); got.Status != tt.want || tt.want == audit.Inconclusive && !strings.Contains(got.Summary, "only its last") {
			t.Errorf("%s: %s %q, want %s", tt.name, got.Status, got.Summary, tt.want)
		}
	}
}

// BenchmarkScanBundle scans a 5 MB minified bundle, the size of a large single-page app.
func BenchmarkScanBundle(b *testing.B) {
	var buf bytes.Buffer
	for buf.Len() < 5<<20 {
		buf.WriteString(`function a(b,c){return b.map(function(d){return d+c})}var e={key:"value",n:42,url:"https://example.com/api/v1/items"};`)
	}
	buf.WriteString(`var s="sk_live_` + token(24) + `";`)
	bundle := buf.Bytes()
	if _, err := gitleaks(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(bundle)))
	for b.Loop() {
		if fs, _ := Scan("bundle.js", bundle, nil); len(fs) == 0 {
			b.Fatal("missed the key")
		}
	}
}

// A scan of a clean repository after a dirty one reports nothing: findings never carry over between scans.
func TestRepoScansDoNotLeakIntoEachOther(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dirty := demotest.Start(t, demotest.Only(demo.FlawCommittedKey))
	clean := demotest.Start(t, demo.Hardened())
	for _, tt := range []struct {
		srv  *demo.Server
		want audit.Status
	}{{dirty, audit.Fail}, {clean, audit.Pass}} {
		plan, _ := tt.srv.Plan("repo")
		target, _ := audit.NewTarget(&audit.Plan{App: "https://127.0.0.1/", Repo: plan.Repo}, nil)
		if got := Repo(t.Context(), target); got.Status != tt.want {
			t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
		}
	}
}
