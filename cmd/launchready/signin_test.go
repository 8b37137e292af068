package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchready/launchready/browser"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/testapps"
)

// From the command line, a bearer-token SPA known only from two saved sessions: `plan check` takes the plan, `run`
// decides the ID swap and the session checks from the sessions, and no value of either file comes out on the
// terminal or in a report.
func TestRunFromSavedSessions(t *testing.T) {
	browsertest.Bin(t)
	app := testapps.BearerSPA(t, testapps.Flawed)
	dir := t.TempDir()
	var secrets []string
	for _, who := range []string{"a", "b"} {
		email := map[string]string{"a": app.A.Email, "b": app.B.Email}[who]
		path := filepath.Join(dir, who+"-session.json")
		if err := os.WriteFile(path, app.StorageState(email), 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := browser.ReadState(path)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, st.Secrets()...)
	}
	planFile := filepath.Join(dir, "plan.yaml")
	os.WriteFile(planFile, []byte(`app: `+app.URL+`
tls: {insecure: true}
accounts:
  a: {email: `+app.A.Email+`, storage_state: a-session.json}
  b: {email: `+app.B.Email+`, storage_state: b-session.json}
skip: [auth, input, ratelimit, secrets, cors, headers, transport, email, perf, ops]
`), 0o600)
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"plan", "check", planFile}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "ok.") {
		t.Fatalf("plan check: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	jsonOut, mdOut := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	stdout.Reset()
	stderr.Reset()
	code := run(t.Context(), []string{"run", "--plan", planFile, "--no-tui", "--fail-on", "critical", "--json", jsonOut, "--md", mdOut}, &stdout, &stderr)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d (a critical finding)\n%s%s", code, exitFindings, stdout.String(), stderr.String())
	}
	rep := readReport(t, jsonOut)
	got := map[string]string{}
	for _, r := range rep.Results {
		got[r.ID] = r.Status + " " + r.Summary
		if strings.Contains(r.Summary, "could not log in") {
			t.Errorf("%s: %s", r.ID, r.Summary)
		}
	}
	for id, want := range map[string]string{"authz.idor-read": "fail", "session.logout-invalidates": "fail", "session.token-strength": "fail"} {
		if !strings.HasPrefix(got[id], want) {
			t.Errorf("%s: %q, want %s", id, got[id], want)
		}
	}
	md, _ := os.ReadFile(mdOut)
	if !strings.Contains(string(md), "Sign-in of A: the saved session in a-session.json (storage_state)") {
		t.Errorf("the method section does not say how A signed in")
	}
	js, _ := os.ReadFile(jsonOut)
	for name, out := range map[string]string{"json": string(js), "md": string(md), "stdout": stdout.String(), "stderr": stderr.String()} {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output holds a value of a saved session", name)
			}
		}
	}
}
