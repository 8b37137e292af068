package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// A saved plan that reaches the demo by its real name only through --resolve, with ops answers: the answers come
// out self-reported in both reports.
func TestRunPlanWithResolveAndOps(t *testing.T) {
	srv := demotest.Start(t, demo.Hardened())
	full, err := srv.Plan("plan")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.yaml")
	os.WriteFile(planFile, []byte(`name: Staging by name
app: `+full.App+`
tls: {ca_file: `+full.TLS.CAFile+`}
skip: [authz, session, secrets, email, perf.lcp-mobile, transport.mixed-content]
ops:
  monitoring: "Better Stack on /healthz, pages Sam within 5 minutes"
  rollback_minutes: 25
  mfa: [hosting, dns, git]
`), 0o600)
	var flags []string
	for _, r := range full.Resolve {
		flags = append(flags, "--resolve", r)
	}
	jsonOut, mdOut := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	var stdout, stderr bytes.Buffer
	args := append([]string{"run", "--plan", planFile, "--json", jsonOut, "--md", mdOut}, flags...)
	if code := run(t.Context(), args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	rep := readReport(t, jsonOut)
	got := map[string]string{}
	for _, r := range rep.Results {
		got[r.ID] = r.Status + " " + r.Summary
	}
	for id, want := range map[string]string{
		"headers.hsts": "pass", "transport.tls-cert": "pass", "ops.monitoring": "info self-reported",
		"ops.rollback": "warn self-reported", "ops.mfa": "warn self-reported: no MFA on email, database, admin",
	} {
		if !strings.HasPrefix(got[id], want) {
			t.Errorf("%s: %q, want it to start with %q", id, got[id], want)
		}
	}
	md, _ := os.ReadFile(mdOut)
	if !regexp.MustCompile(`(?s)## Ops answers \(self-reported\).*\| Better Stack on /healthz, pages Sam within 5 minutes \|`).Match(md) {
		t.Errorf("the markdown report does not show the monitoring answer as self-reported:\n%s", md)
	}

}

func TestBadResolveFlag(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(plan, []byte("app: https://127.0.0.1/\n"), 0o600)
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"run", "--plan", plan, "--resolve", "nonsense"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}
}
