package testapps

import (
	"regexp"
	"strings"
	"testing"
)

// The leak signatures of audit/input/signatures.go that the Flawed answers must match (copied: they are unexported).
var (
	nodeTrace   = regexp.MustCompile(`(?m)^\s*at (?:[\w.<>$]+ )?\(?(?:/|[A-Z]:\\|node:|file://)[^)\n]+:\d+:\d+\)?`)
	pyTrace     = regexp.MustCompile(`Traceback \(most recent call last\):`)
	debugPage   = regexp.MustCompile(`(?i)You're seeing this error because you have <code>DEBUG = True</code>`)
	anyInternal = regexp.MustCompile(`Traceback|\n\s+at |/app/|node_modules|DEBUG`)
)

func TestApps(t *testing.T) {
	for _, name := range []string{"spa", "nextstyle", "serverforms"} {
		for _, mode := range []Mode{Flawed, Fixed} {
			t.Run(name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				testApp(t, name, mode)
			})
		}
	}
}

func testApp(t *testing.T, name string, mode Mode) {
	sh := shapes[name]
	app := sh.new(t, mode)
	if app.Name != name || !strings.HasPrefix(app.URL, "https://127.0.0.1:") || !strings.HasSuffix(app.URL, "/") {
		t.Fatalf("app %q at %q", app.Name, app.URL)
	}

	// The login request the app's page sends succeeds for A, who then sees A's projects and not B's.
	a := newClient(t, app)
	sh.prepare(a)
	ct, body := sh.creds(a, app.A.Email, app.A.Password)
	if st, b, resp := sh.login(a, ct, body); !sh.succeeded(a, st, b, resp) {
		t.Fatalf("A's login: %d %s", st, b)
	}
	st, projects := sh.private(a)
	if st != 200 || !strings.Contains(projects, "Alice's") || strings.Contains(projects, "Bob's") {
		t.Fatalf("A's projects: %d %s", st, projects)
	}
	// After logout the old token or cookie is refused.
	replay := sh.logout(a)
	if st := replay(); st != 401 && st != 302 {
		t.Errorf("the credentials still work after logout: %d", st)
	}

	// B logs in on a fresh client and sees B's projects only.
	b := newClient(t, app)
	sh.prepare(b)
	ct, body = sh.creds(b, app.B.Email, app.B.Password)
	if st, bd, resp := sh.login(b, ct, body); !sh.succeeded(b, st, bd, resp) {
		t.Fatalf("B's login: %d %s", st, bd)
	}
	if st, projects := sh.private(b); st != 200 || !strings.Contains(projects, "Bob's") || strings.Contains(projects, "Alice's") {
		t.Fatalf("B's projects: %d %s", st, projects)
	}

	// Broken input with a valid CSRF token: a trace in Flawed mode, a clean 400 in Fixed mode.
	c := newClient(t, app)
	sh.prepare(c)
	for _, in := range []struct{ ctype, body string }{
		{"application/json", `{"email": "alice@example.test", "password": `},
		{"application/json", `{"email": 12345, "password": ["x"]}`},
		{"text/plain", `email=alice@example.test`},
	} {
		st, out, _ := sh.login(c, in.ctype, []byte(in.body))
		switch mode {
		case Flawed:
			leak := nodeTrace.MatchString(out)
			if name == "serverforms" {
				leak = pyTrace.MatchString(out) && debugPage.MatchString(out)
			}
			if st != 500 || !leak {
				t.Errorf("Flawed, %s %s: %d without the expected trace:\n%s", in.ctype, in.body, st, out)
			}
		case Fixed:
			if st != 400 || anyInternal.MatchString(out) {
				t.Errorf("Fixed, %s %s: %d %s", in.ctype, in.body, st, out)
			}
		}
	}

	// A 2 MiB body: 413 in Fixed mode, read whole and refused as a failed login in Flawed mode.
	ct, body = sh.creds(c, app.A.Email, strings.Repeat("A", 2<<20))
	st, out, _ := sh.login(c, ct, body)
	if mode == Fixed && st != 413 || mode == Flawed && !sh.failed(st, out) {
		t.Errorf("2 MiB body: %d %.200s", st, out)
	}

	// Wrong passwords: the generic message; 429 with Retry-After on the 6th in Fixed mode, never in Flawed mode.
	ct, body = sh.creds(c, "nobody@example.test", "x")
	if st, out, _ := sh.login(c, ct, body); !sh.failed(st, out) {
		t.Errorf("unknown email: %d %s", st, out)
	}
	for i := 1; i <= 10; i++ {
		ct, body = sh.creds(c, strings.ToUpper(app.A.Email), "wrong-password")
		st, out, resp := sh.login(c, ct, body)
		switch {
		case mode == Fixed && i == 6:
			if st != 429 || resp.Header.Get("Retry-After") != "60" || !strings.Contains(out, "Too many attempts") {
				t.Fatalf("Fixed, attempt %d: %d Retry-After %q %s", i, st, resp.Header.Get("Retry-After"), out)
			}
		case st == 429:
			t.Fatalf("%s, attempt %d: 429", mode, i)
		case !sh.failed(st, out):
			t.Fatalf("attempt %d: %d %s", i, st, out)
		}
		if mode == Fixed && i == 6 {
			break
		}
	}
	// B is not limited by A's failures.
	ct, body = sh.creds(c, app.B.Email, app.B.Password)
	if st, out, resp := sh.login(c, ct, body); !sh.succeeded(c, st, out, resp) {
		t.Errorf("B's login after A's lockout: %d %s", st, out)
	}

	// The password-reset request: the same answer for any address, 5 per minute in Fixed mode.
	for i := 1; i <= 6; i++ {
		c := newClient(t, app)
		sh.prepare(c)
		st, out := sh.reset(c, app.A.Email)
		want := 200
		if mode == Fixed && i == 6 {
			want = 429
		}
		if st != want || want == 200 && !strings.Contains(out, "If ") {
			t.Errorf("reset %d: %d %s", i, st, out)
		}
	}

	// Every request is recorded, a 404 too.
	c.do("GET", "/no-such-page", "", nil)
	lines := app.RequestLines()
	if lines[len(lines)-1] != "GET /no-such-page" || app.Count("GET", "/no-such-page") != 1 {
		t.Errorf("request lines end with %q", lines[len(lines)-1])
	}
}
