package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/reports"
	"github.com/launchready/launchready/reports/sariftest"
)

// savedReport writes a JSON report as an earlier audit would have, with the given statuses by check ID.
func savedReport(t *testing.T, dir, name string, started time.Time, statuses map[string]audit.Status) string {
	t.Helper()
	var results []audit.Result
	for _, e := range audit.Catalog {
		s, ok := statuses[e.ID]
		if !ok {
			continue
		}
		res := audit.Result{ID: e.ID, Area: e.Area, Title: e.Title, Status: s, Summary: "seen " + string(s),
			Evidence: []audit.Evidence{{Label: "page", Request: "GET https://app.example/", Status: 200}}}
		if s == audit.Fail || s == audit.Warn {
			res.Severity, res.Why, res.Fix, res.Refs = e.Severity, audit.Why(e.ID), e.Fix, e.Refs
		}
		results = append(results, res)
	}
	r := &audit.Report{Tool: "launchready", Version: "test", Target: "https://app.example/",
		Plan: &audit.Plan{App: "https://app.example/"}, Started: started, Duration: 3 * time.Second,
		Requests: 12, Results: results, Areas: audit.Scorecard(results)}
	path := filepath.Join(dir, name)
	if err := reports.WriteFile(path, reports.JSON{}, r); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	old := savedReport(t, dir, "old.json", day, map[string]audit.Status{
		"headers.hsts": audit.Fail, "headers.csp": audit.Fail, "cors.origin": audit.Pass, "email.spf": audit.Pass})
	cur := savedReport(t, dir, "new.json", day.Add(72*time.Hour), map[string]audit.Status{
		"headers.hsts": audit.Pass, "headers.csp": audit.Fail, "cors.origin": audit.Fail, "email.spf": audit.Pass})

	t.Run("markdown to stdout equals the markdown of the JSON", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), []string{"report", cur}, &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		r, _ := readReportFile(cur)
		var want bytes.Buffer
		reports.Markdown{}.Write(&want, r)
		if stdout.String() != want.String() {
			t.Errorf("re-rendered markdown differs from the original")
		}
	})

	t.Run("re-render after an edit", func(t *testing.T) {
		data, _ := os.ReadFile(cur)
		edited := filepath.Join(dir, "edited.json")
		os.WriteFile(edited, bytes.Replace(data, []byte(`"seen fail"`), []byte(`"Confirmed with the client: the API reflects any Origin"`), 1), 0o600)
		md := filepath.Join(dir, "edited.md")
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), []string{"report", edited, "--md", md}, &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		got, _ := os.ReadFile(md)
		if !strings.Contains(string(got), "Confirmed with the client") {
			t.Error("the edited summary is not in the re-rendered markdown")
		}
	})

	t.Run("baseline: fail only on new", func(t *testing.T) {
		md := filepath.Join(dir, "diff.md")
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), []string{"report", cur, "--baseline", old, "--fail-on", "high", "--fail-on-new", "--md", md}, &stdout, &stderr)
		if code != exitFindings {
			t.Fatalf("exit %d, want 1: cors.origin (high) is new\n%s%s", code, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "1 fixed, 1 new, 1 still failing since the last audit (2026-11-20 09:00 UTC)") {
			t.Errorf("verdict does not say what changed:\n%s", stdout.String())
		}
		got, _ := os.ReadFile(md)
		for _, want := range []string{"- Fixed (1): `headers.hsts`", "- New (1): `cors.origin`", "- Still failing (1): `headers.csp`"} {
			if !strings.Contains(string(got), want) {
				t.Errorf("markdown lacks %q", want)
			}
		}
		// Against itself nothing is new: the same failures do not fail the build.
		stdout.Reset()
		if code := run(t.Context(), []string{"report", cur, "--baseline", cur, "--fail-on", "low", "--fail-on-new", "--quiet"}, &stdout, &stderr); code != exitOK {
			t.Errorf("exit %d, want 0 with no new fails\n%s", code, stdout.String())
		}
	})

	t.Run("quiet prints the verdict and failing IDs only", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		run(t.Context(), []string{"report", cur, "--quiet", "--baseline", old}, &stdout, &stderr)
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "Not ready for launch") ||
			lines[1] != "fail high     cors.origin [new]" || lines[2] != "fail medium   headers.csp [still failing]" {
			t.Errorf("quiet output:\n%s", stdout.String())
		}
	})

	t.Run("output dir writes every format, private", func(t *testing.T) {
		out := filepath.Join(dir, "reports", "nested")
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), []string{"report", cur, "--output-dir", out}, &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		for _, ext := range []string{".json", ".md", ".sarif"} {
			path := filepath.Join(out, "launchready-app-example-20261123-090000"+ext)
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, want a 0600 file", path, err)
			}
		}
		sarif, _ := os.ReadFile(filepath.Join(out, "launchready-app-example-20261123-090000.sarif"))
		if err := sariftest.Validate(sarif); err != nil {
			t.Errorf("SARIF: %v", err)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		notReport := filepath.Join(dir, "x.json")
		os.WriteFile(notReport, []byte(`{"hello": 1}`), 0o600)
		for _, args := range [][]string{
			{"report"}, {"report", filepath.Join(dir, "missing.json")}, {"report", notReport},
			{"report", cur, "--fail-on-new"}, {"report", cur, "--baseline", notReport},
		} {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), args, &stdout, &stderr); code != exitUsage || stderr.Len() == 0 {
				t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, stderr.String())
			}
		}
	})
}

func TestPlanCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`name: three mistakes
app: https://app.example/
acounts:
  a: {email: a@app.example, password_env: LR_A}
limits:
  timeout: soon
ops:
  mfa: [hosting, yubikey]
`), 0o600)
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"plan", "check", bad}, &stdout, &stderr); code != exitUsage {
		t.Errorf("plan check of a bad plan: exit %d, want 2", code)
	}
	for _, want := range []string{"3 problems", "bad.yaml:3: unknown key \"acounts\"", "bad.yaml:6: \"soon\" is not a duration", "bad.yaml:8: ops.mfa: \"yubikey\""} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("plan check output lacks %q:\n%s", want, stderr.String())
		}
	}

	starter := filepath.Join(dir, "plan.yaml")
	stdout.Reset()
	stderr.Reset()
	if code := run(t.Context(), []string{"plan", "init", starter}, &stdout, &stderr); code != exitOK {
		t.Fatalf("plan init: exit %d: %s", code, stderr.String())
	}
	if st, _ := os.Stat(starter); st == nil || st.Mode().Perm() != 0o600 {
		t.Error("the starter plan is not a 0600 file")
	}
	if code := run(t.Context(), []string{"plan", "init", starter}, &stdout, &stderr); code != exitUsage {
		t.Error("plan init overwrote an existing file without --force")
	}
	stdout.Reset()
	if code := run(t.Context(), []string{"plan", "check", starter}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "ok") {
		t.Errorf("the starter plan does not pass plan check: exit %d\n%s", code, stdout.String())
	}
	stdout.Reset()
	if code := run(t.Context(), []string{"plan", "schema"}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), `"additionalProperties": false`) {
		t.Errorf("plan schema: exit %d\n%.200s", code, stdout.String())
	}
}

// The accept file end to end: an accepted critical finding is "accepted" with its reason in the JSON, suppressed
// in the SARIF, listed in the markdown, and no longer trips --fail-on critical; an expired entry leaves its fail
// with the date said; an entry for a passing check is stale; a mistake in the file stops the command with its line.
func TestAcceptFile(t *testing.T) {
	dir := t.TempDir()
	cur := savedReport(t, dir, "cur.json", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), map[string]audit.Status{
		"secrets.client-bundle": audit.Fail, "headers.csp": audit.Fail, "headers.hsts": audit.Pass})
	next := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	accept := filepath.Join(dir, "accept.yaml")
	os.WriteFile(accept, []byte(`- check: secrets.client-bundle
  reason: the key is a test-mode key until launch
  until: `+next+`
  by: Ana
- check: headers.csp
  reason: the old widget needs inline scripts
  until: 2025-01-31
- check: headers.hsts
  reason: staging has no TLS
  until: `+next+`
`), 0o600)
	out, sarif, md := filepath.Join(dir, "out.json"), filepath.Join(dir, "out.sarif"), filepath.Join(dir, "out.md")
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"report", cur, "--accept", accept, "--json", out, "--sarif", sarif, "--md", md, "--fail-on", "critical"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d (--fail-on critical must ignore the accepted finding): %s%s", code, stdout.String(), stderr.String())
	}
	r, err := readReportFile(out)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]audit.Result{}
	for _, res := range r.Results {
		byID[res.ID] = res
	}
	if b := byID["secrets.client-bundle"]; b.Status != audit.Accepted || b.Accepted == nil || b.Accepted.Reason != "the key is a test-mode key until launch" ||
		b.Accepted.By != "Ana" || b.Severity != audit.Critical {
		t.Errorf("secrets.client-bundle: %s %+v", b.Status, b.Accepted)
	}
	if c := byID["headers.csp"]; c.Status != audit.Fail || !strings.Contains(c.Summary, "acceptance expired on 2025-01-31") {
		t.Errorf("headers.csp: %s %q", c.Status, c.Summary)
	}
	if len(r.Stale) != 1 || r.Stale[0].Check != "headers.hsts" {
		t.Errorf("stale: %+v", r.Stale)
	}
	if !strings.Contains(stdout.String(), "1 accepted risk") {
		t.Errorf("the verdict does not count the accepted risk: %s", stdout.String())
	}
	raw, _ := os.ReadFile(sarif)
	if err := sariftest.Validate(raw); err != nil {
		t.Errorf("the SARIF log breaks the 2.1.0 schema: %v", err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID       string `json:"ruleId"`
				Suppressions []struct {
					Kind, Status, Justification string
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	json.Unmarshal(raw, &log)
	found := false
	for _, res := range log.Runs[0].Results {
		if res.RuleID == "secrets.client-bundle" {
			found = len(res.Suppressions) == 1 && res.Suppressions[0].Kind == "external" && res.Suppressions[0].Status == "accepted" &&
				strings.Contains(res.Suppressions[0].Justification, "test-mode key")
		}
	}
	if !found {
		t.Errorf("the SARIF result of the accepted finding carries no external/accepted suppression")
	}
	m, _ := os.ReadFile(md)
	for _, want := range []string{"## Accepted risks (1)", "the key is a test-mode key until launch", "matched nothing", "`headers.hsts`"} {
		if !strings.Contains(string(m), want) {
			t.Errorf("the markdown lacks %q", want)
		}
	}

	os.WriteFile(accept, []byte("- check: headers.nope\n  reason: x\n  until: soon\n"), 0o600)
	stderr.Reset()
	if code := run(t.Context(), []string{"report", cur, "--accept", accept, "--json", out}, &stdout, &stderr); code != exitUsage ||
		!strings.Contains(stderr.String(), `line 1: "headers.nope" is not a check`) || !strings.Contains(stderr.String(), `until "soon" is not a date`) {
		t.Errorf("a bad accept file: exit %d, %s", code, stderr.String())
	}
}
