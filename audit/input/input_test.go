package input

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func TestSignatureSamples(t *testing.T) {
	for _, s := range signatures {
		t.Run(s.Name, func(t *testing.T) {
			if len(s.True) == 0 || len(s.False) == 0 {
				t.Fatal("a signature needs true and false samples")
			}
			for _, v := range s.True {
				if !s.Re.MatchString(v) {
					t.Errorf("missed %q", v)
				}
			}
			for _, v := range s.False {
				if s.Re.MatchString(v) {
					t.Errorf("matched look-alike %q", v)
				}
			}
		})
	}
}

func TestErrorLeakageOnDemo(t *testing.T) {
	got := ErrorLeakage(t.Context(), demotest.Target(t, demotest.Only(demo.FlawVerboseErrors)))
	if got.Status != audit.Fail || !strings.Contains(got.Summary, "SQL error") {
		t.Errorf("flawed: %s %q, want fail naming the SQL error", got.Status, got.Summary)
	}
	if got := ErrorLeakage(t.Context(), demotest.Target(t, demo.Hardened())); got.Status != audit.Pass {
		t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
	}
}

// Other stacks, each leaking only when an ID is malformed: a Python API's traceback, and Express's default error
// page in development, its stack as HTML (frames joined by <br> and &nbsp;), which the excerpt shows as read.
func TestErrorLeakageOtherStacks(t *testing.T) {
	tests := []struct {
		name, mime, leak string
		status           int
		signature, shows string
	}{
		{"python", "text/plain", "Traceback (most recent call last):\n  File \"/srv/api/views.py\", line 12, in tasks\nValueError", 500,
			"Python traceback", "Traceback (most recent call last):"},
		{"express", "text/html; charset=utf-8", `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><pre>SyntaxError: Unexpected end of JSON input<br> &nbsp; &nbsp;at JSON.parse (&lt;anonymous&gt;)<br> &nbsp; &nbsp;at parse (/srv/red/node_modules/body-parser/lib/types/json.js:92:19)</pre></body></html>`, 400,
			"Node.js stack trace", "at parse (/srv/red/node_modules/body-parser/lib/types/json.js:92:19)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`<script>fetch('/v1/projects/12345/tasks')</script>`))
			})
			mux.HandleFunc("/v1/projects/{id}/tasks", func(w http.ResponseWriter, r *http.Request) {
				if strings.Trim(r.PathValue("id"), "0123456789") != "" {
					w.Header().Set("Content-Type", tt.mime)
					w.WriteHeader(tt.status)
					w.Write([]byte(tt.leak))
					return
				}
				w.Write([]byte(`[]`))
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := ErrorLeakage(t.Context(), target)
			if got.Status != audit.Fail || !strings.Contains(got.Summary, tt.signature) {
				t.Errorf("got %s %q, want a fail for the %s", got.Status, got.Summary, tt.signature)
			}
			for _, ev := range got.Evidence {
				if ev.Label == tt.signature && !strings.Contains(ev.Excerpt, tt.shows) {
					t.Errorf("excerpt %q, want %q as a reader sees it", ev.Excerpt, tt.shows)
				}
			}
		})
	}
}

func TestMalformID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.test/api/posts/42", "https://a.test/api/posts/lr%27%22x"},
		{"https://a.test/api/orgs/3fa85f64-5717-4562-b3fc-2c963f66afa6/members", "https://a.test/api/orgs/lr%27%22x/members"},
		{"https://a.test/api/posts/", "https://a.test/api/posts/lr%27%22x"},
		{"https://a.test/api/me", ""},
	}
	for _, tt := range tests {
		if got := malformID(tt.in); got != tt.want {
			t.Errorf("malformID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMalformedAndOversizedOnDemo(t *testing.T) {
	tests := []struct {
		name  string
		check func(context.Context, *audit.Target) audit.Result
		flaw  demo.Flaw
		says  string
	}{
		{"panic on bad JSON", Malformed, demo.FlawPanicBadJSON, "answers 500"},
		{"no body limit", Oversized, demo.FlawNoBodyLimit, "2 MiB field whole"},
	}
	hardened := demotest.Target(t, demo.Hardened())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.check(t.Context(), demotest.Target(t, demotest.Only(tt.flaw)))
			if got.Status != audit.Fail || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("flawed: %s %q, want fail saying %q", got.Status, got.Summary, tt.says)
			}
			if got := tt.check(t.Context(), hardened); got.Status != audit.Pass {
				t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
			}
		})
	}
}

func TestPad(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		n                       int
		check                   func(out []byte) bool
	}{
		{"form", "application/x-www-form-urlencoded", "email=a%40b.test&password=x", 5,
			func(out []byte) bool { return string(out) == "email=a%40b.test&password=x&padding=BBBBB" }},
		{"json", "application/json", `{"email":"a@b.test"}`, 4, func(out []byte) bool {
			var doc map[string]string
			return json.Unmarshal(out, &doc) == nil && doc["padding"] == "BBBB" && doc["email"] == "a@b.test"
		}},
		{"json that does not parse: padded as a form", "application/json", `[1,2`, 3,
			func(out []byte) bool { return string(out) == "[1,2&padding=BBB" }},
		{"12 MiB", "application/json", `{"email":"a@b.test"}`, 12 << 20,
			func(out []byte) bool { return len(out) == 12<<20+len(`{"email":"a@b.test","padding":""}`) }},
	}
	for _, tt := range tests {
		if out := pad([]byte(tt.body), tt.contentType, "padding", tt.n); !tt.check(out) {
			t.Errorf("%s: %.80q", tt.name, out)
		}
	}
}

// A guard that refuses every malformed request before the handler reads it proves nothing about the handler:
// Django's CSRF check (403 "CSRF verification failed") when it refuses the replayed token, or a 403 in words no CSRF
// check is known by, whatever the body held. Both are inconclusive, where they passed before. The malformed forms
// carry the form's own token, so a CSRF check that takes it lets them reach the handler, which crashes on a missing
// field and fails, as the same form without a guard does.
func TestMalformedTurnedAwayByAGuard(t *testing.T) {
	tests := []struct {
		name  string
		guard func(r *http.Request) string // the refusal's text, "" to let the request through
		want  audit.Status
		says  string
	}{
		{"Django's CSRF check, the form's token taken", func(r *http.Request) string {
			if r.PostFormValue("csrfmiddlewaretoken") != "tok-123" {
				return "Forbidden (403)\nCSRF verification failed. Request aborted."
			}
			return ""
		}, audit.Fail, "missing fields answers 500"},
		{"Django's CSRF check, refusing every replay", func(r *http.Request) string {
			return "Forbidden (403)\nCSRF verification failed. Request aborted."
		}, audit.Inconclusive, "CSRF"},
		{"a 403 to everything", func(*http.Request) string { return "Request blocked." }, audit.Inconclusive, "403 to every one"},
		{"no guard", func(*http.Request) string { return "" }, audit.Fail, "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: "tok-123", Path: "/"})
					w.Header().Set("Content-Type", "text/html")
					w.Write([]byte(`<!doctype html><form method="post" action="/login"><input type="hidden" name="csrfmiddlewaretoken" value="tok-123"><input name="username"><input type="password" name="password"><button>Log in</button></form>`))
					return
				}
				if refusal := tt.guard(r); refusal != "" {
					http.Error(w, refusal, http.StatusForbidden)
					return
				}
				if r.PostFormValue("username") == "" { // the handler assumes the field is there
					http.Error(w, "Internal Server Error", http.StatusInternalServerError)
					return
				}
				http.Error(w, "Please enter a correct username and password.", http.StatusOK)
			}))
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/login"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := Malformed(t.Context(), target); got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("got %s %q, want %s saying %q", got.Status, got.Summary, tt.want, tt.says)
			}
		})
	}
}

// A login API that answers every wrong login 400 (as Supabase's and many JSON APIs do) says nothing of a size limit
// by answering an oversized one 400 too: the check compares with a wrong login of a normal size. An answer that is
// neither that nor a refusal of the size is not proof that the body was read: a Go server's form parser stops at
// 10 MB, and a handler like Miniflux's then redirects (302) where a wrong login gets the form again (200).
func TestOversizedJudgedAgainstANormalLogin(t *testing.T) {
	tests := []struct {
		name          string
		limit         bool // the body is read through a 64 KiB limit, else Go's own 10 MB for forms
		wrong, tooBig int  // the answers to a wrong login and to a body the parser stops on
		maxField      int  // when set, a longer password is refused in words, as the app's validation does
		want          audit.Status
		says, notSays string
	}{
		{"no limit, 400 for every wrong login", false, 400, 413, 0, audit.Inconclusive, "400 without a word of its size", ""},
		{"64 KiB limit", true, 400, 413, 0, audit.Pass, "refused", ""},
		// Node-RED: 5 MB, enough for the 2 MiB field, not the 12 MiB body.
		{"a 5 MB limit", false, 401, 413, 0, audit.Fail, "its body limit is over 2 MiB", "without a body limit"},
		// Miniflux: past Go's 10 MB the CSRF check finds no token and redirects; that a limit stopped it is not known,
		// and the fail says so rather than "without a body limit".
		{"Go's 10 MB, a redirect past it", false, 200, 302, 0, audit.Fail, "if a limit stops larger bodies, it is over 2 MiB", "without a body limit"},
		// Past Go's 10 MB the form is empty, and the login page comes back 200 as for a wrong login, but saying the
		// name cannot be empty: the 12 MiB body was not read whole.
		{"Go's 10 MB, the form page past it", false, 200, 200, 0, audit.Fail, "if a limit stops larger bodies, it is over 2 MiB", "without a body limit"},
		// Gitea 1.26: a password over 255 characters is refused by the form's validation, on the login page, 200.
		{"a field refused for its length in words", false, 200, 200, 255, audit.Inconclusive, "12 MiB body", "2 MiB field whole"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`<form method="post" action="/auth/token"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`))
			})
			mux.HandleFunc("POST /auth/token", func(w http.ResponseWriter, r *http.Request) {
				if tt.limit {
					r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
				}
				page := func(said string) {
					w.Write([]byte(`<!doctype html><div role="alert">` + said + `</div><form method="post" action="/auth/token"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`))
				}
				if err := r.ParseForm(); err != nil {
					if tt.tooBig == http.StatusOK {
						page("Username cannot be empty.")
						return
					}
					if tt.tooBig == http.StatusFound {
						http.Redirect(w, r, "/", http.StatusFound)
						return
					}
					http.Error(w, `{"error":"request entity too large"}`, tt.tooBig)
					return
				}
				if tt.maxField > 0 && len(r.PostFormValue("password")) > tt.maxField {
					page(fmt.Sprintf("Password must contain at most %d characters.", tt.maxField))
					return
				}
				if tt.tooBig == http.StatusOK {
					page("Username or password is incorrect.")
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.wrong)
				w.Write([]byte(`{"error":"invalid_grant","error_description":"Invalid login credentials"}`))
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			got := Oversized(t.Context(), target)
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.says) || tt.notSays != "" && strings.Contains(got.Summary, tt.notSays) {
				t.Errorf("got %s %q, want %s saying %q and not %q", got.Status, got.Summary, tt.want, tt.says, tt.notSays)
				for _, ev := range got.Evidence {
					t.Logf("    %s: %s", ev.Label, ev.Excerpt)
				}
			}
		})
	}
}
