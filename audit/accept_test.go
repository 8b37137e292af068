package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseAcceptReportsEveryMistakeWithItsLine(t *testing.T) {
	tests := []struct {
		name, yaml string
		errs       []string // each must appear in the error
	}{
		{"valid", "- check: secrets.client-bundle\n  reason: rotating in v2\n  until: 2027-06-30\n  by: Ana\n", nil},
		{"valid under accept:", "accept:\n  - check: headers.csp\n    match: unsafe-inline\n    reason: legacy widget\n    until: 2027-01-31\n", nil},
		{"everything wrong", "- check: headers.nope\n  until: 31/12/2027\n- reason: x\n  until: 2027-01-01\n  colour: red\n",
			[]string{`line 1: "headers.nope" is not a check`, "line 1: reason is required", `line 1: until "31/12/2027" is not a date`,
				"line 3: check is required", `line 5: unknown key "colour"`}},
		{"no expiry", "- check: headers.csp\n  reason: later\n", []string{"line 1: until is required"}},
		{"not a list", "check: headers.csp\n", []string{`unknown key "check"`}},
		{"not YAML", "- check: [\n", []string{"not valid YAML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAccept([]byte(tt.yaml))
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.errs)
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestAcceptMarksFindingsAndKeepsTheFileHonest(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	f := &AcceptFile{Path: "accept.yaml", Entries: []Acceptance{
		{Check: "secrets.client-bundle", Reason: "v2 moves it server-side", Until: "2027-12-01", By: "Ana"},
		{Check: "headers.csp", Reason: "old decision", Until: "2026-11-30"},
		{Check: "cors.policy", Match: "evil.example", Reason: "partner origin", Until: "2027-01-01"},
		{Check: "headers.hsts", Reason: "staging only", Until: "2027-01-01"},                     // passes: stale
		{Check: "authz.idor-read", Match: "nothing like this", Reason: "x", Until: "2027-01-01"}, // matches no text: stale
	}}
	r := &Report{Results: []Result{
		{ID: "secrets.client-bundle", Area: "secrets", Status: Fail, Severity: Critical, Summary: "Stripe key in /config.js"},
		{ID: "headers.csp", Area: "headers", Status: Fail, Severity: Medium, Summary: "no CSP"},
		{ID: "cors.policy", Area: "cors", Status: Warn, Severity: Low, Summary: "reflects origins",
			Evidence: []Evidence{{Headers: []string{"Access-Control-Allow-Origin: https://evil.example"}}}},
		{ID: "headers.hsts", Area: "headers", Status: Pass, Summary: "HSTS set"},
		{ID: "authz.idor-read", Area: "authz", Status: Fail, Severity: High, Summary: "B reads A's invoice"},
	}}
	r.Accept(f, now)
	got := map[string]Result{}
	for _, res := range r.Results {
		got[res.ID] = res
	}
	if s := got["secrets.client-bundle"]; s.Status != Accepted || s.Severity != Critical || s.Accepted == nil ||
		s.Accepted.Reason != "v2 moves it server-side" || s.Accepted.Was != Fail || s.Summary != "Stripe key in /config.js" {
		t.Errorf("secrets.client-bundle: %+v %+v", s, s.Accepted)
	}
	if c := got["headers.csp"]; c.Status != Fail || !strings.HasSuffix(c.Summary, "(acceptance expired on 2026-11-30)") {
		t.Errorf("headers.csp: %s %q: want the fail kept, the expiry said", c.Status, c.Summary)
	}
	if c := got["cors.policy"]; c.Status != Accepted {
		t.Errorf("cors.policy: %s: the match is in its evidence", c.Status)
	}
	if c := got["authz.idor-read"]; c.Status != Fail {
		t.Errorf("authz.idor-read: %s: its entry's match is not in the finding", c.Status)
	}
	if len(r.Stale) != 2 || r.Stale[0].Check != "headers.hsts" || r.Stale[1].Check != "authz.idor-read" {
		t.Errorf("stale entries: %+v", r.Stale)
	}
	if r.FailsAtOrAbove(Critical) {
		t.Error("--fail-on critical fails on an accepted finding")
	}
	if v := r.Verdict(); !strings.Contains(v, "2 accepted risks") {
		t.Errorf("verdict %q does not count the accepted risks", v)
	}
	for _, a := range r.Areas {
		if a.ID == "secrets" && a.Status == Pass {
			t.Error("an area whose finding is accepted shows as a pass")
		}
	}
}

// A baseline neither counts an accepted finding as new nor as fixed.
func TestAcceptedIsNeitherNewNorFixed(t *testing.T) {
	old := &Report{Results: []Result{{ID: "headers.csp", Status: Fail}, {ID: "cors.policy", Status: Accepted}}}
	now := &Report{Results: []Result{{ID: "headers.csp", Status: Accepted}, {ID: "cors.policy", Status: Fail}}}
	now.CompareWith(old, "old.json")
	if now.Results[0].Change != "" || now.Results[1].Change != ChangeStill || now.Baseline.New != 0 || now.Baseline.Fixed != 0 {
		t.Errorf("changes %q %q, baseline %+v", now.Results[0].Change, now.Results[1].Change, now.Baseline)
	}
}

func TestAppendAcceptCreatesAPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "launchready-accept.yaml")
	f, err := ReadAcceptFile(path)
	if err != nil || len(f.Entries) != 0 {
		t.Fatalf("a missing file: %v %v", f, err)
	}
	if err := f.Append(Acceptance{Check: "headers.csp", Reason: "widget", Until: "2027-01-01", By: "Ana"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Append(Acceptance{Check: "headers.csp"}); err == nil {
		t.Error("an entry without reason and until was written")
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	again, err := ReadAcceptFile(path)
	if err != nil || len(again.Entries) != 1 || again.Entries[0].By != "Ana" {
		t.Errorf("read back: %+v, %v", again, err)
	}
}
