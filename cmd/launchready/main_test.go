package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/checks"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
	"github.com/launchready/launchready/reports/sariftest"
)

type jsonReport struct {
	Results []struct {
		ID       string `json:"id"`
		Area     string `json:"area"`
		Status   string `json:"status"`
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
		Evidence []any  `json:"evidence"`
		Fix      string `json:"fix"`
	} `json:"results"`
}

func readReport(t *testing.T, path string) jsonReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r jsonReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDemoCommand(t *testing.T) {
	tests := []struct {
		name     string
		golden   string
		args     []string
		wantCode int
		// judge is called for every implemented check's status.
		judge func(id, status string) bool
	}{
		{"flawed fails on high", "demo-flawed.golden.md", []string{"demo", "--no-tui", "--fail-on", "high"}, exitFindings,
			func(id, s string) bool {
				return s == "fail" || s == "warn" || strings.HasPrefix(id, "ops.")
			}},
		{"hardened passes", "demo-hardened.golden.md", []string{"demo", "--hardened", "--no-tui", "--fail-on", "high"}, exitOK,
			func(id, s string) bool {
				switch id {
				case "authz.predictable-ids": // the demo keeps small integer IDs; the UUID fixture app of audit/authz passes
					return s == "warn"
				}
				return s == "pass" || strings.HasPrefix(id, "ops.")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			jsonPath, mdPath, sarifPath := filepath.Join(dir, "out.json"), filepath.Join(dir, "out.md"), filepath.Join(dir, "out.sarif")
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), append(tt.args, "--json", jsonPath, "--md", mdPath, "--sarif", sarifPath), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			rep := readReport(t, jsonPath)
			seen := map[string]int{}
			for _, r := range rep.Results {
				seen[r.ID]++
				e, _ := audit.Lookup(r.ID)
				if checks.Implemented(r.ID) && !tt.judge(r.ID, r.Status) && !(e.Severity == audit.SeverityNone && r.Status == "info") {
					t.Errorf("%s: %s %q", r.ID, r.Status, r.Summary)
				}
				if !checks.Implemented(r.ID) && r.Status != "skipped" && r.Status != "inconclusive" {
					t.Errorf("%s is not built yet but reports %s", r.ID, r.Status)
				}
			}
			for _, e := range audit.Catalog {
				if seen[e.ID] != 1 {
					t.Errorf("%s appears %d times in the JSON report, want once", e.ID, seen[e.ID])
				}
			}
			if lines := strings.Count(stdout.String(), "\n"); lines < len(audit.Catalog) {
				t.Errorf("%d output lines, want one per check at least", lines)
			}
			md, _ := os.ReadFile(mdPath)
			golden(t, tt.golden, []byte(normalize(string(md))))
			if strings.HasPrefix(tt.golden, "demo-flawed") {
				checkReadmeExcerpt(t, string(md))
			}
			sarif, _ := os.ReadFile(sarifPath)
			if err := sariftest.Validate(sarif); err != nil {
				t.Errorf("the SARIF log does not validate against the SARIF 2.1.0 schema: %v", err)
			}
			// Re-rendering the JSON gives the same markdown.
			var again bytes.Buffer
			if code := run(t.Context(), []string{"report", jsonPath}, &again, &stderr); code != exitOK || again.String() != string(md) {
				t.Errorf("launchready report of the JSON (exit %d) differs from the markdown the audit wrote:\n%s", code, firstDiff(string(md), again.String()))
			}
			for _, p := range []string{jsonPath, mdPath, sarifPath} {
				if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
					t.Errorf("%s: %v mode %v, want 0600", p, err, st.Mode().Perm())
				}
			}
		})
	}
}

// Neither the accounts' passwords nor any session the app issued appears in the reports or the terminal.
func TestNoAuditSecretsInOutput(t *testing.T) {
	srv := demotest.Start(t, demo.Flawed())
	plan, err := srv.Plan("secrets test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := &outputOptions{json: filepath.Join(dir, "r.json"), md: filepath.Join(dir, "r.md")}
	var stdout, stderr bytes.Buffer
	if _, err := runAudit(t.Context(), plan, srv.Getenv, o, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	secrets := srv.IssuedSessions()
	if len(secrets) == 0 {
		t.Fatal("the audit never logged in, so this test proves nothing")
	}
	for _, a := range srv.Accounts {
		secrets = append(secrets, a.Password)
	}
	// And the app's own secrets the flawed demo leaks: evidence shows them masked, never whole.
	secrets = append(secrets, srv.PlantedSecrets()...)
	jsonOut, _ := os.ReadFile(o.json)
	mdOut, _ := os.ReadFile(o.md)
	for name, out := range map[string]string{"json": string(jsonOut), "md": string(mdOut), "stdout": stdout.String(), "stderr": stderr.String()} {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output contains an audit secret", name)
			}
		}
	}
}

func TestPlanErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "plan.yaml")
	os.WriteFile(bad, []byte("app: https://127.0.0.1/\nscope: [127.0.0.1]\npasswords: {a: x}\n"), 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown key", []string{"run", "--plan", bad}, `plan.yaml:3: unknown key "passwords"`},
		{"missing plan file", []string{"run", "--plan", filepath.Join(dir, "nope.yaml")}, "cannot read the plan"},
		{"no plan flag", []string{"run"}, "run needs --plan"},
		{"bad fail-on", []string{"demo", "--fail-on", "urgent"}, "--fail-on"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"wizard without a terminal", []string{}, "the wizard needs a terminal"},
		{"wizard flag without a terminal", []string{"--plan", bad}, "the wizard needs a terminal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), tt.args, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}

// An app that is down still gets a full report: network checks inconclusive with the reason, nothing passes.
func TestDownHostStillReports(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	down := srv.URL
	srv.Close()
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	os.WriteFile(plan, []byte("app: "+down+"/\naccounts:\n  a: {email: a@example.com, password_env: LR_TEST_A}\n"), 0o600)
	t.Setenv("LR_TEST_A", "irrelevant-password")
	out := filepath.Join(dir, "r.json")
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"run", "--plan", plan, "--json", out, "--fail-on", "low"}, &stdout, &stderr); code == exitUsage {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	rep := readReport(t, out)
	if len(rep.Results) != len(audit.Catalog) {
		t.Fatalf("%d results, want the whole catalog", len(rep.Results))
	}
	for _, r := range rep.Results {
		if r.Status == "pass" {
			t.Errorf("%s passed against a host that is down: %q", r.ID, r.Summary)
		}
		if checks.Implemented(r.ID) && !strings.HasPrefix(r.ID, "ops.") && r.Status != "inconclusive" && r.Status != "skipped" {
			t.Errorf("%s: %s %q, want inconclusive (or skipped as not applicable)", r.ID, r.Status, r.Summary)
		}
		if r.Status == "inconclusive" && r.Summary == "" {
			t.Errorf("%s is inconclusive without saying why", r.ID)
		}
	}
	if !strings.Contains(stdout.String(), "No verdict") {
		t.Errorf("verdict should refuse to judge: %s", stdout.String())
	}
}

// activeOnly names the checks that write to the app, skipped without active: true.
func activeOnly(id string) bool {
	switch id {
	case "authz.idor-write", "ratelimit.signup", "ratelimit.invite", "ratelimit.post", "input.stored-xss", "email.delivery":
		return true
	}
	return strings.HasPrefix(id, "auth.") && id != "auth.user-enumeration" // enumeration compares logins passively
}

// A whole flawed demo audit stays inside its bounds: no burst over its cap, the request budget kept, no write.
func TestAuditTrafficIsBounded(t *testing.T) {
	srv := demotest.Start(t, demo.Flawed())
	plan, err := srv.Plan("bounds")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	jsonPath := filepath.Join(t.TempDir(), "passive.json")
	if _, err := runAudit(t.Context(), plan, srv.Getenv, &outputOptions{json: jsonPath}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, r := range readReport(t, jsonPath).Results {
		if activeOnly(r.ID) && r.Status != "skipped" {
			t.Errorf("%s writes to the app but ran in a passive audit: %s %q", r.ID, r.Status, r.Summary)
		}
		if strings.HasPrefix(r.ID, "auth.") && r.Status == "skipped" && !strings.Contains(r.Summary, "set active: true in the plan to run the sign-up, reset and invite flows") {
			t.Errorf("%s is skipped without saying how to run it: %q", r.ID, r.Summary)
		}
	}
	// Logins of the audit itself: a few per account (HTTP, browser, fresh; 4 more for token-strength's samples),
	// besides the 20 of the burst, and auth.user-enumeration's two compared in the browser and 2×20 timed (paced
	// within the burst bounds, see auth's TestTimingIsPaced), and input.oversized's control login of a normal size.
	if n := srv.Hits("POST /login"); n > 20+16+2+2*20+1 {
		t.Errorf("%d POST /login: the login burst went over its cap", n)
	}
	if n := srv.Hits("POST /forgot-password"); n > 20 {
		t.Errorf("%d POST /forgot-password: the reset burst went over its cap", n)
	}
	if n := srv.TotalHits(); n > 2000 {
		t.Errorf("%d requests: over the audit's default budget of 2000", n)
	}
	if n := srv.Writes(); n != 0 {
		t.Errorf("the passive audit changed the app's data %d times", n)
	}
}
