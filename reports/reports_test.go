package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/ledger"
	"github.com/launchready/launchready/reports/sariftest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture is a fixed report with one of each status, evidence that tries to break out of markdown, and the
// scorecard the runner would compute.
func fixture() *audit.Report {
	results := []audit.Result{
		{ID: "secrets.exposed-files", Area: "secrets", Title: "No .env, .git, backups or debug endpoints are served", Status: audit.Fail, Severity: audit.Critical,
			Summary: "/.env is served: dotenv file", Why: audit.Why("secrets.exposed-files"),
			Fix: "Remove the file from the web root (e.g. the public/ folder). Rotate every secret it held.", Refs: []string{"OWASP API8:2023 Security Misconfiguration"},
			Evidence: []audit.Evidence{{Label: "dotenv file", Request: "GET https://app.example/.env", Status: 200,
				Headers: []string{"Content-Type: text/plain"}, Excerpt: "DATABASE_URL=post…db\n```\n<script>alert(1)</script>"}},
			Sent: ledger.Counts{HTTP: 25}},
		{ID: "headers.server-leak", Area: "headers", Title: "Server and X-Powered-By reveal no versions", Status: audit.Warn, Severity: audit.Low,
			Summary: "version numbers: Server: nginx/1.18.0 <b>", Fix: "Remove the version.",
			Evidence: []audit.Evidence{{Label: "app page", Request: "GET https://app.example/", Status: 200, Headers: []string{"Server: nginx/1.18.0"}}}},
		{ID: "headers.hsts", Area: "headers", Title: "Strict-Transport-Security is set for at least six months", Status: audit.Pass,
			Summary: "HSTS max-age 31536000 s (365 days)", Evidence: []audit.Evidence{{Label: "app page", Request: "GET https://app.example/", Status: 200, Headers: []string{"Strict-Transport-Security: max-age=31536000"}}}, Sent: ledger.Counts{HTTP: 1}},
		{ID: "ops.monitoring", Area: "ops", Title: "Uptime alerts", Status: audit.Info, Summary: "self-reported: Better Stack", Evidence: []audit.Evidence{}},
		{ID: "cors.origin", Area: "cors", Title: "The API does not trust arbitrary origins", Status: audit.Inconclusive, Summary: "GET https://app.example/api: connection refused | retry", Evidence: []audit.Evidence{}},
		{ID: "email.spf", Area: "email", Title: "One SPF record", Status: audit.Skipped, Summary: "not automated in this version", Evidence: []audit.Evidence{}},
	}
	return &audit.Report{
		Tool: "launchready", Version: "test", Name: "Acme portal", Target: "https://app.example/",
		Plan: &audit.Plan{App: "https://app.example/", Accounts: audit.Accounts{A: &audit.Account{Email: "a@app.example", PasswordEnv: "LR_A"}},
			Limits: audit.Limits{Timeout: audit.Duration(10 * time.Second)}, Ops: audit.Ops{Monitoring: "Better Stack"}},
		Started: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Duration: 4200 * time.Millisecond, Requests: 57, BrowserRequests: 40,
		Phases: []audit.PhaseTime{{Phase: "main checks", Duration: 3100 * time.Millisecond, Checks: 5, Sent: ledger.Counts{HTTP: 50, Browser: 40}},
			{Phase: "bursts", Duration: 1100 * time.Millisecond, Checks: 1, Sent: ledger.Counts{HTTP: 7}}},
		Shared:            map[string]ledger.Counts{"log in as A and walk the app": {HTTP: 1, Browser: 40}, "nothing sent": {}},
		Refused:           []string{"https://cdn.other.example/x.js"},
		ThirdPartyBlocked: []string{"https://www.googletagmanager.com/gtag/js (2×)"},
		Stalled:           []string{"GET https://app.example/api/poll (3×)"},
		Results:           results, Areas: audit.Scorecard(results),
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./reports -update if the change is intended.\n--- got ---\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		file string
		rep  Reporter
	}{{"report.golden.md", Markdown{}}, {"report.golden.json", JSON{}}} {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.rep.Write(&buf, fixture()); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, buf.Bytes())
		})
	}
}

// baselineFixture is the fixture compared with an older audit in which HSTS failed and the server leak was not
// seen: one fixed, one new, one still failing.
func baselineFixture() *audit.Report {
	old := fixture()
	old.Started = old.Started.Add(-72 * time.Hour)
	old.Results[1].Status, old.Results[1].Severity = audit.Pass, audit.SeverityNone // headers.server-leak passed
	old.Results[2].Status, old.Results[2].Severity = audit.Fail, audit.Medium       // headers.hsts failed
	r := fixture()
	r.CompareWith(old, "audits/2026-11-20.json")
	return r
}

func TestBaselineDiff(t *testing.T) {
	r := baselineFixture()
	want := map[string]audit.Change{"secrets.exposed-files": audit.ChangeStill, "headers.server-leak": audit.ChangeNew, "headers.hsts": audit.ChangeFixed, "cors.origin": ""}
	for _, res := range r.Results {
		if w, ok := want[res.ID]; ok && res.Change != w {
			t.Errorf("%s: change %q, want %q", res.ID, res.Change, w)
		}
	}
	if v := r.Verdict(); !strings.HasSuffix(v, "; 1 fixed, 1 new, 1 still failing since the last audit (2026-11-20 09:00 UTC)") {
		t.Errorf("verdict %q does not say what changed", v)
	}
	var buf bytes.Buffer
	if err := (Markdown{}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.baseline.golden.md", buf.Bytes())
}

// launchready report re-renders the markdown from the JSON alone: for an unedited JSON it is the same markdown.
func TestReRenderFromJSONIsIdentical(t *testing.T) {
	for name, r := range map[string]*audit.Report{"plain": fixture(), "baseline": baselineFixture()} {
		t.Run(name, func(t *testing.T) {
			var direct, js, again bytes.Buffer
			if err := (Markdown{}).Write(&direct, r); err != nil {
				t.Fatal(err)
			}
			if err := (JSON{}).Write(&js, r); err != nil {
				t.Fatal(err)
			}
			back, err := ReadJSON(&js)
			if err != nil {
				t.Fatal(err)
			}
			if err := (Markdown{}).Write(&again, back); err != nil {
				t.Fatal(err)
			}
			if direct.String() != again.String() {
				t.Errorf("re-rendered markdown differs:\n--- direct ---\n%s\n--- re-rendered ---\n%s", direct.String(), again.String())
			}
		})
	}
}

func TestFixPlanOrder(t *testing.T) {
	results := []audit.Result{
		{ID: "perf.api-p95", Area: "perf", Status: audit.Fail, Severity: audit.Medium},
		{ID: "headers.csp", Area: "headers", Status: audit.Fail, Severity: audit.Medium},
		{ID: "email.dmarc", Area: "email", Status: audit.Warn, Severity: audit.High},
		{ID: "authz.admin-routes", Area: "authz", Status: audit.Warn, Severity: audit.High},
		{ID: "authz.idor-read", Area: "authz", Status: audit.Fail, Severity: audit.Critical},
		{ID: "ratelimit.login", Area: "ratelimit", Status: audit.Fail, Severity: audit.High},
		{ID: "ops.mfa", Area: "ops", Status: audit.Warn, Severity: audit.High},
		{ID: "secrets.source-maps", Area: "secrets", Status: audit.Warn, Severity: audit.Low},
		{ID: "headers.hsts", Area: "headers", Status: audit.Pass},
	}
	var got []string
	for _, r := range FixPlan(results) {
		got = append(got, r.ID)
	}
	want := "secrets.source-maps authz.idor-read authz.admin-routes email.dmarc headers.csp ratelimit.login ops.mfa perf.api-p95"
	if strings.Join(got, " ") != want {
		t.Errorf("fix plan order\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestFixSteps(t *testing.T) {
	for in, want := range map[string]int{
		"Remove the file. Rotate the key.":             2,
		"Use error tracking (e.g. Sentry) and alerts.": 1,
		"": 0,
	} {
		if got := len(sentences(in)); got != want {
			t.Errorf("sentences(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestMarkdownKeepsEvidenceInsideFences(t *testing.T) {
	var buf bytes.Buffer
	Markdown{}.Write(&buf, fixture())
	md := buf.String()
	if strings.Contains(md, "<b>") {
		t.Error("raw HTML from the target reached the markdown prose")
	}
	if !strings.Contains(md, "````") {
		t.Error("evidence with a ``` run needs a longer fence")
	}
}

func TestJSONRoundTripAndContract(t *testing.T) {
	var buf bytes.Buffer
	if err := (JSON{}).Write(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Results) != 6 || back.Results[0].Severity != audit.Critical || back.Results[0].ID != "secrets.exposed-files" {
		t.Errorf("round trip lost data: %+v", back.Results[0])
	}
}

func TestWriteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.md")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, Markdown{}, fixture()); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 even over an existing file", st.Mode().Perm())
	}
}

func TestSARIFValidatesAgainstTheOfficialSchema(t *testing.T) {
	var buf bytes.Buffer
	if err := (SARIF{}).Write(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	if err := sariftest.Validate(buf.Bytes()); err != nil {
		t.Fatalf("SARIF does not validate: %v", err)
	}
	golden(t, "report.golden.sarif", buf.Bytes())
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID   string `json:"id"`
						Help struct {
							Text string `json:"text"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(audit.Catalog) {
		t.Errorf("%d rules, want one per catalog check (%d)", len(run.Tool.Driver.Rules), len(audit.Catalog))
	}
	got := map[string]string{}
	for _, r := range run.Results {
		got[r.RuleID] = r.Level + " " + r.Locations[0].PhysicalLocation.ArtifactLocation.URI
	}
	want := map[string]string{"secrets.exposed-files": "error https://app.example/.env", "headers.server-leak": "note https://app.example/"}
	if len(got) != len(want) {
		t.Errorf("results %v, want only the fail and the warn: %v", got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %q, want %q", id, got[id], w)
		}
	}
}

// A log that breaks the schema is refused: the validation is not a formality.
func TestSARIFValidationCatchesMistakes(t *testing.T) {
	for name, log := range map[string]string{
		"wrong version":   `{"version":"2.0.0","runs":[]}`,
		"no driver name":  `{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}`,
		"bad level":       `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`,
		"unknown top key": `{"version":"2.1.0","runs":[],"extra":1}`,
	} {
		if err := sariftest.Validate([]byte(log)); err == nil {
			t.Errorf("%s: validated, want a schema error", name)
		}
	}
}
