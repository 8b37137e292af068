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
		{"accounts that sign in without a password", "app: https://a.example/\nauth_hosts: [login.a.example]\ninbox: {kind: smtp}\naccounts:\n  a: {email: a@x, storage_state: a.json}\n  b: {email: b@x, login: magic-link}\n", "", 0},
		{"manual and TOTP", "app: https://a.example/\naccounts:\n  a: {email: a@x, login: manual}\n  b: {email: b@x, password_env: LR_B, totp_env: LR_B_TOTP}\n", "", 0},
		{"unknown login", "app: https://a.example/\naccounts:\n  a: {email: a@x, login: sso}\n", `accounts.a.login: "sso" is not one of password, manual, magic-link`, 3},
		{"magic link without an inbox", "app: https://a.example/\naccounts:\n  a: {email: a@x, login: magic-link}\n", "magic-link reads the sign-in link from the plan's inbox", 3},
		{"a saved session and another login", "app: https://a.example/\naccounts:\n  a: {email: a@x, login: manual, storage_state: a.json}\n", "storage_state is a session already signed in", 3},
		{"a TOTP secret instead of its variable", "app: https://a.example/\naccounts:\n  a: {email: a@x, password_env: P, totp_env: JBSWY3DP EHPK3PXP}\n", "is not an environment variable name", 3},
		{"auth host with a scheme", "app: https://a.example/\nauth_hosts: [https://login.a.example/]\n", "is not a host name", 2},
		{"unknown skip id", "app: https://a.example/\nskip: [headers.cps]\n", `"headers.cps" is neither`, 2},
		{"bad duration", "app: https://a.example/\nlimits: {timeout: soon}\n", "not a duration", 0},
		{"bad resolve entry", "app: https://a.example/\nresolve: [a.example:443]\n", "is not host:port:address", 2},
		{"resolve to a name, not an address", "app: https://a.example/\nresolve: [a.example:443:other.example]\n", "is not host:port:address", 2},
		{"imap inbox without its server", "app: https://a.example/\ninbox: {kind: imap, address: qa@a.example, user: qa, password_env: P}\n", "inbox.server: an imap inbox needs it", 2},
		{"paste inbox without an address", "app: https://a.example/\ninbox: {kind: paste}\n", "a paste inbox needs your own address", 2},
		{"imap inbox complete", "app: https://a.example/\ninbox: {kind: imap, server: imaps://imap.a.example, address: qa@a.example, user: qa, password_env: P, timeout: 2m}\n", "", 0},
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
			all := PlanErrors{pe}
			errors.As(err, &all)
			found := false
			for _, e := range all {
				found = found || (strings.Contains(e.Msg, tt.wantErr) || strings.Contains(e.Error(), tt.wantErr)) && (tt.wantLine == 0 || e.Line == tt.wantLine)
			}
			if !found {
				t.Errorf("no error %q on line %d in:\n%v", tt.wantErr, tt.wantLine, err)
			}
		})
	}
}

// A plan with several mistakes reports each of them, with its line, in line order.
func TestPlanReportsEveryMistake(t *testing.T) {
	_, err := ParsePlan("plan.yaml", []byte(`app: ftp://app.example/
accounts:
  a: {email: a@app.example, pasword_env: X}
limits:
  timeout: soon
  samples: many
ops:
  mfa: [hosting, yubikey]
`))
	var all PlanErrors
	if !errors.As(err, &all) {
		t.Fatalf("error %T %v, want PlanErrors", err, err)
	}
	want := []struct {
		line int
		text string
	}{
		{1, "app: must start with https://"},
		{3, `unknown key "pasword_env" in accounts.a`},
		{5, `"soon" is not a duration`},
		{6, "cannot read text `many` as a number"},
		{8, `ops.mfa: "yubikey" is not one of`},
	}
	for _, w := range want {
		found := false
		for _, e := range all {
			found = found || (e.Line == w.line && strings.Contains(e.Msg, w.text))
		}
		if !found {
			t.Errorf("no error on line %d containing %q in:\n%v", w.line, w.text, err)
		}
	}
	for i := 1; i < len(all); i++ {
		if all[i].Line < all[i-1].Line {
			t.Errorf("errors not in line order:\n%v", err)
		}
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
