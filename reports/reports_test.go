package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture is a fixed report with one of each status, evidence that tries to break out of markdown, and the
// scorecard the runner would compute.
func fixture() *audit.Report {
	results := []audit.Result{
		{ID: "secrets.exposed-files", Area: "secrets", Title: "No .env, .git, backups or debug endpoints are served", Status: audit.Fail, Severity: audit.Critical,
			Summary: "/.env is served: dotenv file", Fix: "Remove the file.", Refs: []string{"OWASP API8:2023 Security Misconfiguration"},
			Evidence: []audit.Evidence{{Label: "dotenv file", Request: "GET https://app.example/.env", Status: 200,
				Headers: []string{"Content-Type: text/plain"}, Excerpt: "DATABASE_URL=post…db\n```\n<script>alert(1)</script>"}}},
		{ID: "headers.server-leak", Area: "headers", Title: "Server and X-Powered-By reveal no versions", Status: audit.Warn, Severity: audit.Low,
			Summary: "version numbers: Server: nginx/1.18.0 <b>", Fix: "Remove the version.",
			Evidence: []audit.Evidence{{Label: "app page", Request: "GET https://app.example/", Status: 200, Headers: []string{"Server: nginx/1.18.0"}}}},
		{ID: "headers.hsts", Area: "headers", Title: "Strict-Transport-Security is set for at least six months", Status: audit.Pass,
			Summary: "HSTS max-age 31536000 s (365 days)", Evidence: []audit.Evidence{{Label: "app page", Request: "GET https://app.example/", Status: 200, Headers: []string{"Strict-Transport-Security: max-age=31536000"}}}},
		{ID: "ops.monitoring", Area: "ops", Title: "Uptime alerts", Status: audit.Info, Summary: "self-reported: Better Stack", Evidence: []audit.Evidence{}},
		{ID: "cors.origin", Area: "cors", Title: "The API does not trust arbitrary origins", Status: audit.Inconclusive, Summary: "GET https://app.example/api: connection refused | retry", Evidence: []audit.Evidence{}},
		{ID: "email.spf", Area: "email", Title: "One SPF record", Status: audit.Skipped, Summary: "not automated in this version", Evidence: []audit.Evidence{}},
	}
	return &audit.Report{
		Tool: "launchready", Version: "test", Name: "Acme portal", Target: "https://app.example/",
		Plan:    &audit.Plan{App: "https://app.example/", Accounts: audit.Accounts{A: &audit.Account{Email: "a@app.example", PasswordEnv: "LR_A"}}},
		Started: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Duration: 4200 * time.Millisecond, Requests: 57,
		Refused:           []string{"https://cdn.other.example/x.js"},
		ThirdPartyBlocked: []string{"https://www.googletagmanager.com/gtag/js (2×)"},
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
