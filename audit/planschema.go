package audit

import (
	_ "embed"
	"encoding/json"
	"reflect"
	"strings"
)

// StarterPlan is the commented plan `launchready plan init` writes.
//
//go:embed starter-plan.yaml
var StarterPlan []byte

// planDocs describe every key of a plan, by its dotted path: the JSON Schema carries them to editors.
var planDocs = map[string]string{
	"name":                     "A name for the audit, shown in the report.",
	"app":                      "Required. The app's URL, where users sign in (https://...).",
	"api":                      "Another origin the app calls (https://api.example.com/).",
	"http_url":                 "The plain-HTTP address, when it is not http://<app host>/.",
	"scope":                    "The only hosts the audit may contact. Default: the hosts of app, api and http_url, and the apex/www of the app's host.",
	"allow":                    "Third-party hosts the browser may load from (CDNs, fonts); they are listed in the report.",
	"paths":                    "Paths of the app's pages; each is found from the app's pages when left out.",
	"paths.login":              "The login page.",
	"paths.signup":             "The sign-up page.",
	"paths.reset":              "The password-reset request page.",
	"paths.invite":             "The page where a member invites others.",
	"paths.health":             "The health endpoint for uptime monitoring.",
	"paths.admin":              "The admin page or API: tried as a member and anonymously.",
	"accounts":                 "Two test accounts in two different orgs/workspaces, for the ID-swap tests.",
	"accounts.a":               "The first test account.",
	"accounts.b":               "The second test account, in another org/workspace.",
	"accounts.a.email":         "The account's login email.",
	"accounts.a.password_env":  "The name of the environment variable that holds the password (never the password).",
	"accounts.a.login":         "How the account signs in: password (default), manual (you sign in in a browser window: SSO, captcha), or magic-link (the sign-in link or one-time code is read from the inbox).",
	"accounts.a.storage_state": "A Playwright storageState JSON file of a session already signed in (cookies and localStorage): no login is typed. A live credential: keep it out of git.",
	"accounts.a.totp_env":      "The environment variable that holds the base32 secret of the account's TOTP second factor: the current code is typed when the login asks for one.",
	"auth_hosts":               "Hosts of a hosted login page or identity provider (login.example.com, example.auth0.com): the browser may go there while logging in, and nothing else is sent there; the report lists them as out of scope.",
	"email":                    "The domain the app sends mail from.",
	"email.domain":             "The sending domain (example.com).",
	"email.dkim_selectors":     "DKIM selectors to look up (ask your email provider); common ones are also tried.",
	"inbox":                    "Where the app's mail is read for the sign-up, reset and invite flows.",
	"inbox.kind":               "smtp (an embedded sink), imap (a real test mailbox) or paste (you paste the link).",
	"inbox.listen":             "smtp: the address the sink listens on (127.0.0.1:2525).",
	"inbox.address":            "The test mailbox's address (test@example.com): each flow signs up or is invited as a fresh plus-address of it (test+lr-signup-x7k2@example.com).",
	"inbox.server":             "imap: the server, imaps://imap.example.com:993 (imap://host:143 uses STARTTLS; plain text only to a loopback address).",
	"inbox.user":               "imap: the mailbox user.",
	"inbox.password_env":       "imap: the environment variable that holds the mailbox password.",
	"inbox.timeout":            "How long to wait for each mail (default 90s); a mail that never comes makes its checks inconclusive.",
	"repo":                     "A git repository to scan, with its history, for secrets.",
	"accept_file":              "A YAML file of accepted risks, relative to the plan: entries with check (a catalog ID), match (optional text of the finding), reason, until (YYYY-MM-DD) and by. A matched fail or warn is reported as accepted, never as a pass, until the date.",
	"logs":                     "Log files to scan for passwords, tokens and reset links.",
	"active":                   "true allows writes to the app: canary posts, invites, write replays, bursts on writes.",
	"skip":                     "Check IDs (headers.csp) or whole areas (perf) to leave out.",
	"resolve":                  "curl-style host:port:address entries: reach a host at an address, with its real name in Host and SNI.",
	"resolver":                 "The DNS server (host:port) for the email checks. Default: the system's.",
	"tls":                      "How to trust a staging certificate (transport.tls-cert still reports what it sees).",
	"tls.ca_file":              "A PEM file with a private CA to trust.",
	"tls.insecure":             "Trust any certificate (a throwaway staging certificate).",
	"limits":                   "The audit's own bounds; they may tighten the defaults.",
	"limits.requests":          "The request budget of the whole audit.",
	"limits.timeout":           "Per request (10s).",
	"limits.check_timeout":     "Per check (2m).",
	"limits.dns_timeout":       "Per DNS attempt (2s); one retry follows.",
	"limits.burst":             "Requests per rate-limit burst (at most 20).",
	"limits.burst_window":      "Time per burst (at most 10s).",
	"limits.samples":           "Latency samples in all (at most 200).",
	"limits.concurrency":       "Checks at work at once (a check waiting for a login or walk another check is doing gives its place back).",
	"ops":                      "Self-reported answers, marked as such in the report.",
	"ops.monitoring":           "Who gets alerted within 5 minutes when the API, login or email breaks, and how.",
	"ops.rollback_minutes":     "Minutes a rollback takes.",
	"ops.mfa":                  "Where MFA is on: hosting, dns, git, email, database, admin.",
	"ops.secrets_separation":   "Whether staging and production secrets are separate, and leaked keys rotated.",
	"ops.backups":              "Backups, and when a restore was last tested.",
}

// planEnums are the keys whose values are fixed lists.
var planEnums = map[string][]string{
	"inbox.kind":       {"smtp", "imap", "paste"},
	"accounts.a.login": LoginMethods,
	"ops.mfa":          MFAPlaces,
}

// PlanSchema is the JSON Schema (draft 2020-12) of a plan file, built from the Plan type's yaml keys so it cannot
// drift from what the parser accepts. Editors with a YAML language server validate plans with it.
func PlanSchema() []byte {
	s := schemaOf(reflect.TypeOf(Plan{}), "")
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://github.com/launchready/launchready/plan.schema.json"
	s["title"] = "launchready plan"
	s["required"] = []string{"app"}
	out, _ := json.MarshalIndent(s, "", "  ")
	return append(out, '\n')
}

func schemaOf(t reflect.Type, path string) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	docPath := path
	if _, own := planDocs[path]; !own {
		docPath = strings.Replace(path, "accounts.b", "accounts.a", 1) // both accounts share their fields' docs
	}
	s := map[string]any{}
	if d := planDocs[docPath]; d != "" {
		s["description"] = d
	}
	switch {
	case t == reflect.TypeOf(Duration(0)):
		s["type"] = "string"
		s["pattern"] = `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	case t.Kind() == reflect.Struct:
		s["type"] = "object"
		s["additionalProperties"] = false
		props := map[string]any{}
		var required []string
		for i := 0; i < t.NumField(); i++ {
			tag := t.Field(i).Tag.Get("yaml")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "" || name == "-" {
				continue
			}
			props[name] = schemaOf(t.Field(i).Type, strings.TrimPrefix(path+"."+name, "."))
			if !strings.Contains(opts, "omitempty") && path != "" {
				required = append(required, name)
			}
		}
		s["properties"] = props
		if len(required) > 0 {
			s["required"] = required
		}
		if t == reflect.TypeOf(Account{}) { // a password variable, or another way to sign in
			s["anyOf"] = []any{
				map[string]any{"required": []string{"password_env"}},
				map[string]any{"required": []string{"storage_state"}},
				map[string]any{"required": []string{"login"}, "properties": map[string]any{"login": map[string]any{"enum": []string{LoginManual, LoginMagicLink}}}},
			}
		}
	case t.Kind() == reflect.Slice:
		s["type"] = "array"
		item := map[string]any{"type": "string"}
		if e, ok := planEnums[docPath]; ok {
			item["enum"] = e
		}
		s["items"] = item
	case t.Kind() == reflect.String:
		s["type"] = "string"
		if e, ok := planEnums[docPath]; ok {
			s["enum"] = append([]string{""}, e...)
		}
	case t.Kind() == reflect.Bool:
		s["type"] = "boolean"
	case t.Kind() == reflect.Int:
		s["type"] = "integer"
		s["minimum"] = 0
	}
	return s
}
