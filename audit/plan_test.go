package audit

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePlan(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		wantErr  string // substring; empty means valid
		wantLine int
	}{
		{"minimal", "app: https://app.example.com/\n", "", 0},
		{"resolve with ipv6", "app: https://a.example/\nresolve: ['a.example:443:[::1]']\n", "", 0},
		{"full", `name: Acme
app: https://app.example.com/
api: https://api.example.com/
paths: {login: /login, health: /healthz}
accounts:
  a: {email: a@example.com, password_env: LR_A}
  b: {email: b@example.com, password_env: LR_B}
email: {domain: example.com, dkim_selectors: [resend]}
inbox: {kind: smtp, listen: 127.0.0.1:2525}
active: false
skip: [perf.lcp-mobile, email]
limits: {requests: 500, timeout: 5s}
ops: {monitoring: "uptime", rollback_minutes: 5, mfa: [git]}
`, "", 0},
		{"unknown top-level key", "app: https://a.example/\nfrobnicate: true\n", `unknown key "frobnicate" at the top level`, 2},
		{"unknown nested key", "app: https://a.example/\naccounts:\n  a:\n    email: a@x\n    password: hunter2\n", `unknown key "password" in accounts.a`, 5},
		{"missing app", "name: x\n", `missing required key "app"`, 1},
		{"account without password_env", "app: https://a.example/\naccounts:\n  a: {email: a@x}\n", `"password_env" in accounts.a`, 3},
		{"bad url", "app: ftp://a.example/\n", "must start with https://", 1},
		{"unknown skip id", "app: https://a.example/\nskip: [headers.cps]\n", `"headers.cps" is neither`, 2},
		{"bad duration", "app: https://a.example/\nlimits: {timeout: soon}\n", "not a duration", 0},
		{"bad resolve entry", "app: https://a.example/\nresolve: [a.example:443]\n", "is not host:port:address", 2},
		{"resolve to a name, not an address", "app: https://a.example/\nresolve: [a.example:443:other.example]\n", "is not host:port:address", 2},
		{"not yaml", "app: [unclosed\n", "not valid YAML", 0},
		{"empty", "", "the plan is empty", 0},
		{"a list, not a mapping", "- app\n", "must be a mapping", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePlan("plan.yaml", []byte(tt.yaml))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
			var pe *PlanError
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, want *PlanError", err)
			}
			if tt.wantLine != 0 && pe.Line != tt.wantLine {
				t.Errorf("line %d, want %d (%v)", pe.Line, tt.wantLine, err)
			}
		})
	}
}

func TestPlanHostsAndSkips(t *testing.T) {
	p, err := ParsePlan("p", []byte("app: https://App.Example.com:8443/\napi: https://api.example.com/\nhttp_url: http://app.example.com:8080/\nskip: [email, headers.csp]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Hosts(), ","); got != "app.example.com,api.example.com" {
		t.Errorf("hosts %q", got)
	}
	for id, want := range map[string]bool{"email.spf": true, "headers.csp": true, "headers.hsts": false} {
		e, _ := Lookup(id)
		if p.Skips(e) != want {
			t.Errorf("Skips(%s) = %v, want %v", id, !want, want)
		}
	}
}

func FuzzParsePlan(f *testing.F) {
	f.Add([]byte("app: https://a.example/\naccounts:\n  a: {email: a, password_env: X}\n"))
	f.Add([]byte("app: https://a.example/\nlimits: {timeout: 3s}\nskip: [email]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePlan("fuzz.yaml", data)
		if err == nil && p.App == "" {
			t.Fatal("a plan without app was accepted")
		}
	})
}
