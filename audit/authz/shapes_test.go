package authz

import (
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/testapps"
)

// shapeTarget is an audit of a test app with its two accounts, passive.
func shapeTarget(t *testing.T, a *testapps.App) *audit.Target {
	t.Helper()
	plan := &audit.Plan{Name: a.Name, App: a.URL, TLS: audit.TLS{Insecure: true},
		Accounts: audit.Accounts{A: &audit.Account{Email: a.A.Email, PasswordEnv: "LR_A"}, B: &audit.Account{Email: a.B.Email, PasswordEnv: "LR_B"}}}
	env := map[string]string{"LR_A": a.A.Password, "LR_B": a.B.Password}
	target, err := audit.NewTarget(plan, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	return target
}

// The ID swap beyond GET+JSON, on apps of the shapes that hid a false green: a server-rendered multi-tenant app
// (HTML pages only, the org's id in a query parameter next to pagination), a GraphQL app (queries replayed,
// mutations never), and an app whose redirect still carries the page. Each check fails on the flawed app with a
// reproduction that shows the other account's own data, and passes on the fixed one.
func TestIDSwapBeyondGETAndJSON(t *testing.T) {
	browsertest.Bin(t)
	apps := []struct {
		name string
		make func(testing.TB, testapps.Mode) *testapps.App
	}{{"tracker", testapps.Tracker}, {"graphql", testapps.GraphQL}, {"redirects", testapps.Redirects}}
	checks := []struct {
		name  string
		check checkFunc
	}{{"idor-read", IDORRead}, {"unauthenticated", Unauthenticated}, {"id-swap-params", IDSwapParams}}
	for _, app := range apps {
		for _, mode := range []testapps.Mode{testapps.Flawed, testapps.Fixed} {
			t.Run(app.name+"/"+mode.String(), func(t *testing.T) {
				a := app.make(t, mode)
				target := shapeTarget(t, a)
				if _, _, res := sides(t.Context(), target); res != nil {
					t.Fatalf("logging in: %s", res.Summary)
				}
				before := len(a.RequestLines()) // the walks' requests
				for _, c := range checks {
					got := c.check(t.Context(), target)
					t.Logf("%s: %s %s", c.name, got.Status, got.Summary)
					if mode == testapps.Fixed {
						if got.Status != audit.Pass {
							t.Errorf("%s on the fixed app: %s %q", c.name, got.Status, got.Summary)
						}
						continue
					}
					if got.Status != audit.Fail {
						t.Errorf("%s on the flawed app: %s %q, want a fail", c.name, got.Status, got.Summary)
						continue
					}
					if !reproduces(got, a) {
						t.Errorf("%s: no reproduction (method, URL, credential, status, another account's private value) in %+v", c.name, got.Evidence)
					}
				}
				// One replay per endpoint pattern and direction: a handful of requests, however many pages the walk saw.
				if n := len(a.RequestLines()) - before; n > 40 {
					t.Errorf("the three checks sent %d requests to a small app", n)
				}
				if a.Mutations != nil {
					browser, other := a.Mutations()
					if browser == 0 {
						t.Error("the app's page sent no mutation: the test would prove nothing")
					}
					if other != 0 {
						t.Errorf("the audit sent %d GraphQL mutations", other)
					}
				}
			})
		}
	}
}

// reproduces reports a fail whose evidence has a reproduction: a request line, a 2xx or 3xx status, a label saying
// which credential was used, and an excerpt with one of the accounts' private values.
func reproduces(r audit.Result, a *testapps.App) bool {
	for _, ev := range r.Evidence {
		if !strings.HasPrefix(ev.Label, "reproduce: with ") || ev.Request == "" || ev.Status < 200 || ev.Status >= 400 {
			continue
		}
		for _, vs := range a.Private {
			for _, v := range vs {
				if strings.Contains(ev.Excerpt, v) || strings.Contains(r.Summary, v) {
					return true
				}
			}
		}
	}
	return false
}

// On apps whose authorization is right, of every shape, the ID swap never cries wolf.
func TestIDSwapNoFalseFail(t *testing.T) {
	browsertest.Bin(t)
	apps := []struct {
		name string
		make func(testing.TB, testapps.Mode) *testapps.App
	}{{"spa", testapps.SPA}, {"nextstyle", testapps.NextStyle}, {"serverforms", testapps.ServerForms}}
	for _, app := range apps {
		t.Run(app.name, func(t *testing.T) {
			target := shapeTarget(t, app.make(t, testapps.Fixed))
			for _, check := range []checkFunc{IDORRead, Unauthenticated, IDSwapParams} {
				if got := check(t.Context(), target); got.Status == audit.Fail {
					t.Errorf("%s", got.Summary)
				}
			}
		})
	}
}

// On a forge of Gitea's shape the owner and repository are words at the root of every object's address
// (/iris/acquisition-notes/issues/1 for A, /jack/visa-renewal/issues/1 for B): each account's words, which the
// other's pages never name, are its slots, so both the replay of each account's pages as the other and the swap of
// the other's words into one's own routes find the flaw on the flawed forge and pass the fixed one.
func TestIDSwapWhereOwnersNameTheRoutes(t *testing.T) {
	browsertest.Bin(t)
	for _, mode := range []testapps.Mode{testapps.Flawed, testapps.Fixed} {
		t.Run(mode.String(), func(t *testing.T) {
			a := testapps.Owners(t, mode)
			target := shapeTarget(t, a)
			want := audit.Pass
			if mode == testapps.Flawed {
				want = audit.Fail
			}
			for name, check := range map[string]checkFunc{"idor-read": IDORRead, "id-swap-params": IDSwapParams} {
				got := check(t.Context(), target)
				if got.Status != want || want == audit.Fail && !reproduces(got, a) {
					t.Errorf("%s on the %s forge: %s %q, want %s (with a reproduction when failing)", name, mode, got.Status, got.Summary, want)
				}
			}
		})
	}
}

// With a directory of users (Gitea's /explore/users) each account's pages name the other's owner word, which may
// then be a section of the app as much as an owner: not a slot. The swap then has nothing to swap, and says so
// rather than that the walk found no object; the replay of each account's pages as the other cannot tell what on
// them is the account's own (page text counts only on a route both opened): never a pass on the flawed forge.
func TestIDSwapWhereOwnersAreListed(t *testing.T) {
	browsertest.Bin(t)
	for _, mode := range []testapps.Mode{testapps.Flawed, testapps.Fixed} {
		t.Run(mode.String(), func(t *testing.T) {
			target := shapeTarget(t, testapps.OwnersWithDirectory(t, mode))
			read := IDORRead(t.Context(), target)
			if mode == testapps.Flawed && read.Status == audit.Pass || mode == testapps.Fixed && read.Status == audit.Fail {
				t.Errorf("idor-read on the %s forge: %s %q", mode, read.Status, read.Summary)
			}
			swap := IDSwapParams(t.Context(), target)
			if swap.Status != audit.Inconclusive || !strings.Contains(swap.Summary, "no ID of the other account's fits") {
				t.Errorf("id-swap-params: %s %q, want inconclusive for want of a route to swap into", swap.Status, swap.Summary)
			}
		})
	}
}
