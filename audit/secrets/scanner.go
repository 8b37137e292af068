package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"
	"github.com/zricethezav/gitleaks/v8/report"

	"github.com/launchready/launchready/audit"
)

// Finding is a secret (or a public-by-design key) found in some content. Secret holds the full value and never
// leaves this package: evidence shows Redacted.
type Finding struct {
	Rule     string
	What     string // description
	Where    string // URL, file or commit:path
	Line     int
	Secret   string
	Redacted string
	Excerpt  string // the line, with the secret redacted
	Public   bool   // public by design: info, with what must protect the data instead
	Protect  string
	Severity audit.Severity
	// Generic is a keyword-and-entropy match with the shape of a credential (see credentialShape): a warning to
	// verify, never a fail on its own.
	Generic bool
	match   string // what the rule matched, the key's name included
}

// issuable reports a finding of a kind an app hands a signed-in account (a session JWT, a generic token), which
// may be the audit's own; a provider's private key, a public-by-design key or a database URL never is.
func (f Finding) issuable() bool {
	return !f.Public && (f.Generic || strings.HasPrefix(f.Rule, "jwt"))
}

// ourRule is a detector gitleaks has no rule for, kept as data with the samples its test runs.
type ourRule struct {
	ID, What string
	Re       *regexp.Regexp // the first group is the secret
	Keywords []string       // lower-case words the content must contain for the rule to run (a cheap prefilter, as gitleaks does)
	Severity audit.Severity
	True     []string
	False    []string
}

var ourRules = []ourRule{
	{"database-url", "database URL with a password", regexp.MustCompile(`(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql)://[^:\s/'"@]+:([^@\s'"/]{3,})@[^\s'"]+`),
		[]string{"postgres", "mysql", "mariadb", "mongodb", "redis", "amqp", "mssql"}, audit.Critical,
		[]string{`DATABASE_URL=postgres://app:s3cr3tPass@db.internal:5432/app`, `"mongodb+srv://user:hunter22@cluster0.mongodb.net/db"`},
		[]string{`postgres://localhost:5432/app`, `https://user@example.com`}},
	{"smtp-credentials", "SMTP credentials", regexp.MustCompile(`(?i)(?:smtps?://[^:\s/'"@]+:([^@\s'"/]{3,})@|smtp[_-]?pass(?:word)?["']?\s*[:=]\s*["']?([^"'\s,;]{6,}))`),
		[]string{"smtp"}, audit.High,
		[]string{`smtp://apikey:SG.abcdefgh@smtp.sendgrid.net:587`, `SMTP_PASSWORD=correct-horse-9`},
		[]string{`smtp://smtp.example.com:587`, `smtp_password: ""`}},
}

// publicKeys are keys that are public by design: found, they are info, with what must protect the data instead.
var publicKeys = []struct {
	ID, What, Protect string
	Re                *regexp.Regexp
	Keyword           string
}{
	{"stripe-publishable-key", "Stripe publishable key", "only the secret key (sk_live_) can move money; keep it on the server", regexp.MustCompile(`\bpk_(?:live|test)_[0-9A-Za-z]{10,}`), "pk_"},
	{"google-api-key", "Google / Firebase web API key", "Firebase keys identify the project: protect data with Security Rules and restrict the key by HTTP referrer in Google Cloud", regexp.MustCompile(`\bAIza[0-9A-Za-z_\-]{35}\b`), "aiza"},
	{"sentry-dsn", "Sentry DSN", "a DSN only lets clients send events; rate-limit it and filter spam in Sentry", regexp.MustCompile(`https://[0-9a-f]{32}@[\w.\-]+\.ingest(?:\.[a-z]+)?\.sentry\.io/\d+`), "sentry.io"},
	{"recaptcha-site-key", "reCAPTCHA site key", "the secret key that verifies tokens must stay on the server", regexp.MustCompile(`\b6L[0-9A-Za-z_\-]{38}\b`), "6l"},
}

var (
	detectorOnce sync.Once
	detector     *detect.Detector
	detectorErr  error
)

// gitleaks returns the detector with gitleaks' default rules, built once (its config loader is not reentrant).
func gitleaks() (*detect.Detector, error) {
	detectorOnce.Do(func() {
		logging.Logger = zerolog.Nop() // checks never print; findings become evidence
		detector, detectorErr = detect.NewDetectorDefaultConfig()
	})
	return detector, detectorErr
}

// Scan finds secrets and public keys in content. known reports the audit's own secrets (the session tokens the app
// handed the audit), which are not findings about the app.
func Scan(where string, content []byte, known func(string) bool) ([]Finding, error) {
	return scanAs(where, content, known, Library(where, content))
}

// scanAs is Scan of content known to be library code when library says why (generic matches are dropped then).
func scanAs(where string, content []byte, known func(string) bool, library string) ([]Finding, error) {
	det, err := gitleaks()
	if err != nil {
		return nil, err
	}
	var out []Finding
	seen := map[string]bool{}
	add := func(f Finding) {
		// The audit's own tokens are not findings; a public-by-design key stays one even when the audit used it
		// (a Supabase anon key the browser sends as its apikey), or the result would depend on which check ran first.
		// Only what a login hands an account can be the audit's own: a session token (a plain JWT, a generic match).
		// A provider's private key (sk-…, sk_live_…, a service_role key) the browser held or sent is the leak
		// itself, however the audit learnt it.
		if f.Secret == "" || seen[f.Secret] || (known != nil && f.issuable() && known(f.Secret)) {
			return
		}
		seen[f.Secret] = true
		f.Where = where
		f.Redacted = Redact(f.Secret)
		out = append(out, f)
	}
	for _, f := range detectChunks(det, content) {
		if f.Generic && (library != "" || credentialShape(f.Secret, f.match, f.Excerpt) != "") {
			continue
		}
		add(f)
	}
	lines := bytes.Split(content, []byte("\n"))
	lineOf := func(offset int) (int, string) {
		n, start := 1, 0
		for i, l := range lines {
			if start+len(l) >= offset {
				return i + 1, string(l)
			}
			start += len(l) + 1
			n = i + 2
		}
		return n, ""
	}
	lower := bytes.ToLower(content)
	mentions := func(words ...string) bool {
		for _, w := range words {
			if bytes.Contains(lower, []byte(w)) {
				return true
			}
		}
		return false
	}
	for _, r := range ourRules {
		if !mentions(r.Keywords...) {
			continue
		}
		for _, m := range r.Re.FindAllSubmatchIndex(content, 20) {
			secret := firstGroup(content, m)
			line, text := lineOf(m[0])
			add(Finding{Rule: r.ID, What: r.What, Line: line, Secret: secret, Excerpt: text, Severity: r.Severity})
		}
	}
	for _, p := range publicKeys {
		if !mentions(p.Keyword) {
			continue
		}
		for _, m := range p.Re.FindAllIndex(content, 20) {
			line, text := lineOf(m[0])
			add(Finding{Rule: p.ID, What: p.What, Line: line, Secret: string(content[m[0]:m[1]]), Excerpt: text, Public: true, Protect: p.Protect})
		}
	}
	// Every excerpt hides every secret found in the content, not only its own: one line often holds several.
	hide := make([]string, 0, 2*len(out))
	for _, f := range out {
		hide = append(hide, f.Secret, f.Redacted)
	}
	hider := strings.NewReplacer(hide...)
	for i := range out {
		out[i].Excerpt = shorten(hider.Replace(out[i].Excerpt), out[i].Redacted)
	}
	// Secrets before public keys, then by position: gitleaks reports in no fixed order, the report must be stable.
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Public != b.Public {
			return !a.Public
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Secret < b.Secret
	})
	return out, nil
}

// chunkSize is how much content one gitleaks pass reads, as its CLI does; chunks are scanned in parallel.
const chunkSize = 128 << 10

// detectChunks runs gitleaks over content cut into chunks at token boundaries (a newline, a space, ; , { }), in
// parallel, with line numbers made absolute again.
func detectChunks(det *detect.Detector, content []byte) []Finding {
	type chunk struct {
		data []byte
		line int // lines before the chunk
	}
	var chunks []chunk
	for start, line := 0, 0; start < len(content); {
		end := min(len(content), start+chunkSize)
		if end < len(content) {
			if cut := bytes.LastIndexAny(content[start:end], "\n ;,{}"); cut > chunkSize/2 {
				end = start + cut + 1
			}
		}
		chunks = append(chunks, chunk{content[start:end], line})
		line += bytes.Count(content[start:end], []byte("\n"))
		start = end
	}
	results := make([][]Finding, len(chunks))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, c := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for _, g := range det.DetectBytes(c.data) {
				f := classify(g)
				f.Line += c.line
				results[i] = append(results[i], f)
			}
		}()
	}
	wg.Wait()
	var out []Finding
	for _, r := range results {
		out = append(out, r...)
	}
	return out
}

func firstGroup(content []byte, m []int) string {
	for g := 1; 2*g+1 < len(m); g++ {
		if m[2*g] >= 0 {
			return string(content[m[2*g]:m[2*g+1]])
		}
	}
	return string(content[m[0]:m[1]])
}

// classify turns a gitleaks finding into ours: JWTs by their role claim, Google keys as public by design.
func classify(g report.Finding) Finding {
	f := Finding{Rule: g.RuleID, What: ruleName(g.RuleID), Line: g.StartLine + 1, Secret: g.Secret, Excerpt: g.Line, Severity: audit.Critical, match: g.Match}
	if f.Secret == "" {
		f.Secret = g.Match
	}
	switch {
	case isGeneric(g.RuleID):
		f.Generic, f.Severity, f.What = true, audit.Medium, "Possible credential (generic rule)"
	case strings.HasPrefix(g.RuleID, "jwt"):
		switch role := jwtRole(f.Secret); role {
		case "anon":
			f.Rule, f.What, f.Public = "supabase-anon-key", "Supabase anon key", true
			f.Protect = "the anon key is public by design: every table needs Row Level Security, or anyone can read it with this key"
		case "service_role":
			f.Rule, f.What = "supabase-service-role-key", "Supabase service_role key (bypasses Row Level Security)"
		default:
			f.Severity, f.What = audit.Medium, "JSON Web Token"
		}
	case g.RuleID == "gcp-api-key" || strings.HasPrefix(f.Secret, "AIza"):
		f.Rule, f.What, f.Public = "google-api-key", "Google / Firebase web API key", true
		f.Protect = publicKeys[1].Protect
	case strings.HasPrefix(f.Secret, "pk_live_") || strings.HasPrefix(f.Secret, "pk_test_"):
		f.Rule, f.What, f.Public, f.Protect = "stripe-publishable-key", "Stripe publishable key", true, publicKeys[0].Protect
	}
	return f
}

// ruleName makes a gitleaks rule ID readable: "stripe-access-token" -> "Stripe access token".
func ruleName(id string) string {
	words := strings.Split(id, "-")
	for i, w := range words {
		switch w {
		case "api", "pat", "jwt", "aws", "gcp", "ssh", "pgp", "rsa", "npm", "url", "id":
			words[i] = strings.ToUpper(w)
		case "github":
			words[i] = "GitHub"
		}
	}
	s := strings.Join(words, " ")
	if s == "" {
		return "secret"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// jwtRole reads the role claim of a JWT without verifying it ("" when there is none).
func jwtRole(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) < 2 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Role string `json:"role"`
	}
	_ = json.Unmarshal(payload, &claims)
	return claims.Role
}

// Scrub returns text with every secret the scanner recognises in it (public keys included) cut down to Redact's
// form: for evidence that shows content the app leaked.
func Scrub(text string) string {
	fs, err := Scan("", []byte(text), nil)
	if err != nil {
		return "(content withheld: the secret scanner failed)"
	}
	for _, f := range fs {
		text = strings.ReplaceAll(text, f.Secret, f.Redacted)
	}
	return text
}

// Redact keeps at most the first 4 and last 2 characters of a secret: enough to recognise and rotate it.
func Redact(s string) string {
	if len(s) <= 10 {
		return "****"
	}
	return s[:4] + "…" + s[len(s)-2:]
}

// shorten keeps the excerpt around the redacted secret, one line, at most 160 characters.
func shorten(line, around string) string {
	line = strings.TrimSpace(line)
	i := strings.Index(line, around)
	if i < 0 || len(line) <= 160 {
		return trimTo(line, 160)
	}
	from := max(0, i-60)
	to := min(len(line), from+160)
	return "…" + line[from:to] + "…"
}

func trimTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
