package secrets

import (
	"bytes"
	"regexp"

	"github.com/launchready/launchready/audit"
)

// fileRule is one well-known path that must not be served, and how to recognise its real content (so a
// single-page app answering every path with index.html is not a finding).
type fileRule struct {
	Path     string
	What     string
	Severity audit.Severity
	Match    func(body []byte) bool
	Secret   bool // the content holds secrets: evidence shows it masked
	// True and False are samples the rule's test runs: real content it must catch, look-alikes it must not.
	True, False []string
}

func re(expr string) func([]byte) bool {
	r := regexp.MustCompile(expr)
	return func(b []byte) bool { return r.Match(b) }
}

func notHTML(match func([]byte) bool) func([]byte) bool {
	return func(b []byte) bool {
		head := bytes.ToLower(bytes.TrimSpace(b[:min(len(b), 512)]))
		if bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) {
			return false
		}
		return match(b)
	}
}

// envMatch wants at least two KEY=value lines, which a dotenv file has and an HTML page does not.
var envMatch = notHTML(func(b []byte) bool {
	return len(regexp.MustCompile(`(?m)^\s*(?:export\s+)?[A-Z][A-Z0-9_]{1,63}\s*=\s*\S`).FindAll(b, 2)) >= 2
})

// debugDump wants an environment dump: several UPPER_CASE keys with values, as text or JSON.
var debugDump = func(b []byte) bool {
	if envMatch(b) {
		return true
	}
	return len(regexp.MustCompile(`"[A-Z][A-Z0-9_]{2,}"\s*:\s*"`).FindAll(b, 2)) >= 2
}

var envSamples = []string{"NODE_ENV=production\nDATABASE_URL=postgres://u:p@h/db\n", "export API_KEY=abc\nSECRET=1\n"}
var htmlSamples = []string{"<!doctype html><html><body>App</body></html>", "<html><head><title>Not found</title></head></html>"}

var fileRules = []fileRule{
	{Path: "/.env", Secret: true, What: "dotenv file with the app's configuration and secrets", Severity: audit.Critical, Match: envMatch,
		True: envSamples, False: append([]string{"Not found", "KEY=1"}, htmlSamples...)},
	{Path: "/.env.local", Secret: true, What: "dotenv file", Severity: audit.Critical, Match: envMatch, True: envSamples, False: htmlSamples},
	{Path: "/.env.production", Secret: true, What: "dotenv file", Severity: audit.Critical, Match: envMatch, True: envSamples, False: htmlSamples},
	{Path: "/.env.bak", Secret: true, What: "backup of a dotenv file", Severity: audit.Critical, Match: envMatch, True: envSamples, False: htmlSamples},
	{Path: "/.env.backup", Secret: true, What: "backup of a dotenv file", Severity: audit.Critical, Match: envMatch, True: envSamples, False: htmlSamples},
	{Path: "/debug", Secret: true, What: "debug endpoint dumping the environment", Severity: audit.Critical, Match: debugDump,
		True: []string{`{"env":{"NODE_ENV":"production","DATABASE_URL":"postgres://u:p@h/db"}}`, "NODE_ENV=production\nSECRET_KEY=abc\n"}, False: append([]string{`{"status":"ok"}`}, htmlSamples...)},
	{Path: "/api/debug", Secret: true, What: "debug endpoint dumping the environment", Severity: audit.Critical, Match: debugDump,
		True: []string{`{"environment":{"SECRET_KEY":"x","API_TOKEN":"y"}}`}, False: append([]string{`{"debug":false}`}, htmlSamples...)},
	{Path: "/console", What: "Werkzeug interactive debugger console (remote code execution)", Severity: audit.Critical,
		Match: re(`(?s)Werkzeug.*[Cc]onsole|[Cc]onsole.*Werkzeug|Interactive Console`), True: []string{"<title>Console // Werkzeug Debugger</title>"}, False: htmlSamples},
	{Path: "/_profiler", What: "Symfony profiler (requests, sessions, configuration)", Severity: audit.High,
		Match: re(`Symfony Profiler`), True: []string{"<title>Symfony Profiler</title>"}, False: htmlSamples},
	{Path: "/telescope", What: "Laravel Telescope (requests, queries, mail, exceptions)", Severity: audit.High,
		Match: re(`Laravel Telescope|telescope-app`), True: []string{"<title>Telescope</title><div id=\"telescope-app\">"}, False: htmlSamples},
	{Path: "/.git/config", What: "git repository configuration (the whole source history can be downloaded)", Severity: audit.Critical,
		Match: re(`(?m)^\[core\]\s*$[\s\S]*repositoryformatversion`),
		True:  []string{"[core]\n\trepositoryformatversion = 0\n\tbare = false\n"}, False: append([]string{"[core] section documentation"}, htmlSamples...)},
	{Path: "/.git/HEAD", What: "git HEAD (the repository is served)", Severity: audit.Critical,
		Match: re(`\A(?:ref: refs/[\w./-]+|[0-9a-f]{40})\s*\z`),
		True:  []string{"ref: refs/heads/main\n", "3f786850e387550fdab836ed7e6dc881de23001b\n"}, False: append([]string{"ref: see docs"}, htmlSamples...)},
	{Path: "/.DS_Store", What: "macOS folder index (lists file names)", Severity: audit.Low,
		Match: func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x00\x00\x00\x01Bud1")) },
		True:  []string{"\x00\x00\x00\x01Bud1\x00\x00"}, False: htmlSamples},
	{Path: "/backup.sql", What: "database dump", Severity: audit.Critical,
		Match: notHTML(re(`(?i)(?:-- (?:MySQL|MariaDB) dump|-- PostgreSQL database dump|CREATE TABLE [^;]+\(|INSERT INTO \S+ (?:\(|VALUES))`)),
		True:  []string{"-- PostgreSQL database dump\nCREATE TABLE users (id int);", "INSERT INTO users VALUES (1,'a');"}, False: htmlSamples},
	{Path: "/dump.sql", What: "database dump", Severity: audit.Critical,
		Match: notHTML(re(`(?i)(?:-- (?:MySQL|MariaDB) dump|-- PostgreSQL database dump|CREATE TABLE [^;]+\()`)),
		True:  []string{"-- MySQL dump 10.13\nCREATE TABLE `u` (\n"}, False: htmlSamples},
	{Path: "/db.sqlite", What: "SQLite database", Severity: audit.Critical,
		Match: func(b []byte) bool { return bytes.HasPrefix(b, []byte("SQLite format 3\x00")) },
		True:  []string{"SQLite format 3\x00\x10\x00"}, False: htmlSamples},
	{Path: "/phpinfo.php", What: "phpinfo() page (configuration and environment)", Severity: audit.High,
		Match: re(`<title>(?:phpinfo\(\)|PHP \d[\d.]* - phpinfo\(\))</title>`),
		True:  []string{"<html><head><title>PHP 8.2.1 - phpinfo()</title>"}, False: htmlSamples},
	{Path: "/debug/pprof/", What: "Go pprof profiling endpoint", Severity: audit.High,
		Match: re(`Types of profiles available|/debug/pprof/goroutine`),
		True:  []string{"<html><body>/debug/pprof/<br>Types of profiles available:"}, False: htmlSamples},
	{Path: "/actuator/env", Secret: true, What: "Spring Boot actuator environment", Severity: audit.Critical,
		Match: notHTML(re(`"(?:activeProfiles|propertySources)"\s*:`)),
		True:  []string{`{"activeProfiles":[],"propertySources":[]}`}, False: append([]string{`{"status":"UP"}`}, htmlSamples...)},
	{Path: "/server-status", What: "Apache server-status (live requests and client addresses)", Severity: audit.Medium,
		Match: re(`Apache Server Status for`),
		True:  []string{"<h1>Apache Server Status for example.com"}, False: htmlSamples},
	{Path: "/.aws/credentials", Secret: true, What: "AWS credentials", Severity: audit.Critical,
		Match: notHTML(re(`(?i)aws_secret_access_key\s*=`)),
		True:  []string{"[default]\naws_access_key_id = AKIA...\naws_secret_access_key = abc\n"}, False: htmlSamples},
	{Path: "/.npmrc", Secret: true, What: "npm configuration with a registry token", Severity: audit.Critical,
		Match: notHTML(re(`_authToken\s*=`)),
		True:  []string{"//registry.npmjs.org/:_authToken=npm_abc\n"}, False: htmlSamples},
	{Path: "/.htpasswd", Secret: true, What: "password hashes", Severity: audit.High,
		Match: notHTML(re(`(?m)^[\w.@-]+:(?:\$apr1\$|\$2[aby]\$|\{SHA\})`)),
		True:  []string{"admin:$apr1$abc$def\n"}, False: htmlSamples},
	{Path: "/docker-compose.yml", Secret: true, What: "deployment file (services, often with passwords)", Severity: audit.Medium,
		Match: notHTML(re(`(?m)^services:\s*$[\s\S]*^\s+image:`)),
		True:  []string{"version: '3'\nservices:\n  db:\n    image: postgres\n"}, False: htmlSamples},
}

// assignment is a "key = value" or "key: value" line; mask keeps only enough of each value to recognise it.
var assignment = regexp.MustCompile(`(?m)^(\s*(?:export\s+)?[\w.\-/:@"]+\s*[=:]\s*)(\S.*?)\s*$`)

// jsonSecretField is a JSON string field whose name says it holds a secret.
var jsonSecretField = regexp.MustCompile(`("[A-Za-z0-9_\-]*(?i:key|secret|token|password|passwd|pass|dsn|url|credential)[A-Za-z0-9_\-]*"\s*:\s*")([^"]{6,})"`)

// mask shows at most the first 4 and last 2 characters of every assigned value (KEY=value lines and JSON fields
// named like secrets): the client sees which secret leaked without the report becoming a second copy of it.
func mask(s string) string {
	s = jsonSecretField.ReplaceAllStringFunc(s, func(m string) string {
		p := jsonSecretField.FindStringSubmatch(m)
		return p[1] + Redact(p[2]) + `"`
	})
	return assignment.ReplaceAllStringFunc(s, func(line string) string {
		m := assignment.FindStringSubmatch(line)
		v := m[2]
		if len(v) <= 8 {
			return m[1] + "****"
		}
		return m[1] + v[:4] + "…" + v[len(v)-2:]
	})
}
