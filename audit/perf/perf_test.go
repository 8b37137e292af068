package perf

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func TestHealthOnDemo(t *testing.T) {
	// The flawed demo has no health endpoint, and its SPA shell answers /healthz with a 200 HTML page.
	if got := Health(t.Context(), demotest.Target(t, demotest.Only(demo.FlawNoHealth))); got.Status != audit.Warn {
		t.Errorf("flawed: %s %q, want warn", got.Status, got.Summary)
	}
	if got := Health(t.Context(), demotest.Target(t, demo.Hardened())); got.Status != audit.Pass {
		t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
	}
}

func TestHealthConfigured(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   audit.Status
	}{
		{"configured and up", 200, audit.Pass},
		{"configured and failing", 503, audit.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/internal/up" {
					w.WriteHeader(tt.status)
				}
			}))
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/", Paths: audit.Paths{Health: "/internal/up"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := Health(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

// An app served under a path (an admin UI at /_/, a dashboard at /app/) keeps its health endpoint where its server
// mounts it, at the root of the host: it is found there, and the warning stays for a host that has none.
func TestHealthAtTheHostRoot(t *testing.T) {
	for _, tt := range []struct {
		name   string
		health bool
		want   audit.Status
	}{{"root /api/health", true, audit.Pass}, {"none", false, audit.Warn}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/api/health" && tt.health:
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(`{"message":"API is healthy.","code":200}`))
				case strings.HasPrefix(r.URL.Path, "/_/"): // the UI answers every path with its shell
					w.Write([]byte("<!doctype html><title>Admin</title><div id=app></div>"))
				default:
					http.NotFound(w, r)
				}
			}))
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/_/"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := Health(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

func TestLCPOnDemo(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name  string
		flaws demo.Flaws
		want  audit.Status
	}{
		{"slow hero (3.5 s late)", demotest.Only(demo.FlawSlowHero), audit.Fail},
		{"hardened", demo.Hardened(), audit.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LCPMobile(t.Context(), demotest.Target(t, tt.flaws))
			if got.Status != tt.want {
				t.Fatalf("%s %q, want %s", got.Status, got.Summary, tt.want)
			}
			// The demo's page paints far from the bands' edges: two loads agree, and a third is not made.
			ev := got.Evidence[0].Excerpt
			for _, want := range []string{"a third load could not change it", "load 1:", "load 2:", "562.5 ms request latency"} {
				if !strings.Contains(ev, want) {
					t.Errorf("the evidence lacks %q:\n%s", want, ev)
				}
			}
			if strings.Contains(ev, "load 3:") || !strings.Contains(got.Summary, "two loads") {
				t.Errorf("a third load was made, or the summary does not say two: %q\n%s", got.Summary, ev)
			}
		})
	}
}

// A page that answers with an error (a host asleep, a 503 from the edge) paints its short message fast: that is
// no LCP of the app. The same page answered 200 is measured.
func TestLCPOfAnErrorPageIsNoFigure(t *testing.T) {
	browsertest.Bin(t)
	for _, tt := range []struct {
		status int
		want   audit.Status
	}{{http.StatusServiceUnavailable, audit.Inconclusive}, {http.StatusOK, audit.Pass}} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, `<!doctype html><title>Shop</title><h1>We will be right back</h1><p>The shop is waking up.</p>`)
			}))
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/"}, func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			got := LCPMobile(t.Context(), target)
			if got.Status != tt.want || tt.want == audit.Inconclusive && !strings.Contains(got.Summary, "answered 503") {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

// The median of three loads lies between any two of them: two loads in one band decide the band, two in
// different bands do not.
func TestTwoLoadsInOneBandDecide(t *testing.T) {
	ms := func(n int) *browser.LCP { return &browser.LCP{Time: time.Duration(n) * time.Millisecond} }
	for _, tt := range []struct {
		loads []*browser.LCP
		want  bool
	}{
		{[]*browser.LCP{ms(4600), ms(4700)}, true},
		{[]*browser.LCP{ms(900), ms(2500)}, true}, // 2.5 s is still good
		{[]*browser.LCP{ms(2400), ms(2600)}, false},
		{[]*browser.LCP{ms(3900), ms(4100)}, false},
		{[]*browser.LCP{ms(1000)}, false},
		{[]*browser.LCP{ms(1000), ms(1100), ms(1200)}, false}, // three loads: the median itself
	} {
		if got := sameBand(tt.loads); got != tt.want {
			t.Errorf("sameBand(%v) = %v, want %v", tt.loads, got, tt.want)
		}
	}
}

func TestMedianLCP(t *testing.T) {
	ms := func(n int) *browser.LCP { return &browser.LCP{Time: time.Duration(n) * time.Millisecond} }
	tests := []struct {
		loads []*browser.LCP
		want  time.Duration
	}{
		{[]*browser.LCP{ms(3000), ms(1000), ms(2000)}, 2000 * time.Millisecond},
		{[]*browser.LCP{ms(900), ms(900), ms(5000)}, 900 * time.Millisecond},
		{[]*browser.LCP{ms(7000), ms(1200), ms(6900)}, 6900 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := medianLCP(tt.loads).Time; got != tt.want {
			t.Errorf("median of %v = %v, want %v", tt.loads, got, tt.want)
		}
	}
}

func TestAPIP95OnDemo(t *testing.T) {
	browsertest.Bin(t)
	// n samples of each of k endpoints, as the summary says them.
	sampled := func(r audit.Result) (n, k int) {
		fmt.Sscanf(r.Summary[strings.Index(r.Summary, "over "):], "over %d samples of %d endpoints", &n, &k)
		return n, k
	}
	// One endpoint of four always takes 700 ms: a quarter of the answers are slow, which the first look (five
	// rounds) shows.
	got := APIP95(t.Context(), demotest.Target(t, demotest.Only(demo.FlawSlowAPI)))
	if n, k := sampled(got); got.Status != audit.Fail || !strings.Contains(got.Summary, "GET /api/communities/{id}/posts") ||
		k == 0 || n != k*minRounds || !strings.Contains(got.Evidence[0].Excerpt, fmt.Sprintf("sampling stopped after %d of %d rounds", minRounds, samplesPerPattern)) {
		t.Errorf("slow API: %s %q, want a fail naming the slow endpoint after the first look\n%s", got.Status, got.Summary, got.Evidence[0].Excerpt)
	}
	// A pass takes the whole sample.
	got = APIP95(t.Context(), demotest.Target(t, demo.Hardened()))
	if n, k := sampled(got); got.Status != audit.Pass || k == 0 || n != k*samplesPerPattern {
		t.Errorf("hardened: %s %q, want pass over the whole sample", got.Status, got.Summary)
	}
}

// A fail is decided early only when the slow share is over 5% beyond doubt; a tail near 5% waits for the whole
// sample.
func TestOverLimit(t *testing.T) {
	sample := func(n, slow int) []time.Duration {
		ts := make([]time.Duration, n)
		for i := range ts {
			ts[i] = 20 * time.Millisecond
			if i < slow {
				ts[i] = p95Limit
			}
		}
		return ts
	}
	for _, tt := range []struct {
		n, slow int
		want    bool
	}{
		{50, 10, true},  // a fifth: one endpoint of five is slow
		{50, 50, true},  // everything is slow
		{50, 5, false},  // a tenth of 50: could be 5% or less
		{50, 3, false},  // 6%
		{100, 0, false}, // nothing slow
		{0, 0, false},
		{10, 10, true},
		{10, 2, false},
	} {
		if got := overLimit(sample(tt.n, tt.slow)); got != tt.want {
			t.Errorf("%d slow of %d: overLimit = %v, want %v", tt.slow, tt.n, got, tt.want)
		}
	}
}

func TestQuantilesAreExact(t *testing.T) {
	var ts []time.Duration
	for i := 1; i <= 100; i++ {
		ts = append(ts, time.Duration(i)*time.Millisecond)
	}
	if q := quantiles(ts); q != [3]time.Duration{50 * time.Millisecond, 95 * time.Millisecond, 99 * time.Millisecond} {
		t.Errorf("quantiles %v", q)
	}
}

// BenchmarkSampler times the sampler's own overhead on a local endpoint.
func BenchmarkSampler(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"ok":true}`)) }))
	b.Cleanup(srv.Close)
	tg, _ := audit.NewTarget(&audit.Plan{App: srv.URL + "/", Limits: audit.Limits{Requests: 1 << 30}}, nil)
	for b.Loop() {
		resp, err := tg.Probe.Do(b.Context(), &probe.Request{URL: srv.URL + "/api/x"})
		if err != nil || resp.Status != 200 {
			b.Fatal(err)
		}
	}
}

// limitedAPI serves a page that, once signed in, reads /api/items, which takes 700 ms; after reads it answers
// every further read of a session with a fast 429 (never when after is 0).
func limitedAPI(t *testing.T, after int) *httptest.Server {
	var mu sync.Mutex
	reads := map[string]int{}
	mux := http.NewServeMux()
	form := cookieLogin(mux, "Items", "Items-Pass-123", "/")
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if _, err := r.Cookie("sid"); err != nil {
			fmt.Fprint(w, form)
			return
		}
		fmt.Fprint(w, `<!doctype html><title>Items</title><ul id="items"></ul><script>fetch('/api/items').then(r => r.json()).then(l => document.getElementById('items').innerHTML = l.map(i => '<li>' + i + '</li>').join(''))</script>`)
	})
	mux.HandleFunc("GET /api/items", func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie("sid")
		if err != nil {
			http.Error(w, `{"error":"sign in"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		reads[ck.Value]++
		n := reads[ck.Value]
		mu.Unlock()
		if after > 0 && n > after {
			w.Header().Set("Retry-After", "60")
			http.Error(w, `{"error":"too many requests"}`, http.StatusTooManyRequests)
			return
		}
		time.Sleep(700 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `["Roadmap","Budget"]`)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// Only answers as the browser saw them are timed: an API whose limit answers the sampler's reads with fast 429s has
// no p95 to read (it passed on the 429s' times before), while the same API without the limit fails on its 700 ms.
func TestP95TimesOnlyRealAnswers(t *testing.T) {
	browsertest.Bin(t)
	for _, tt := range []struct {
		after int
		want  audit.Status
	}{{1, audit.Inconclusive}, {0, audit.Fail}} {
		t.Run(fmt.Sprintf("429 after %d reads", tt.after), func(t *testing.T) {
			srv := limitedAPI(t, tt.after)
			plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}, Limits: audit.Limits{Samples: 20},
				Accounts: audit.Accounts{A: &audit.Account{Email: "ivy@items.test", PasswordEnv: "PW"}}}
			target, err := audit.NewTarget(plan, func(string) string { return "Items-Pass-123" })
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			if got := APIP95(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

// A server-rendered app makes no API read: its pages are what it answers slowly or fast. With no API read recorded
// the p95 times the pages the walk opened (the check was inconclusive there before: "no API read to time").
func TestP95OfAServerRenderedApp(t *testing.T) {
	browsertest.Bin(t)
	for _, tt := range []struct {
		name string
		slow time.Duration // how long a note's page takes
		want audit.Status
	}{{"slow note pages", 700 * time.Millisecond, audit.Fail}, {"fast pages", 0, audit.Pass}} {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			form := cookieLogin(mux, "Notes", "Notes-Pass-123", "/notes")
			signedIn := func(w http.ResponseWriter, r *http.Request) bool {
				if _, err := r.Cookie("sid"); err != nil {
					http.Redirect(w, r, "/", http.StatusSeeOther)
					return false
				}
				w.Header().Set("Content-Type", "text/html")
				return true
			}
			// The login page is the app's root, which sends a signed-in visitor on to the notes (as Miniflux's
			// does): it was shown before the login, and is not one of the account's pages.
			mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
				if _, err := r.Cookie("sid"); err == nil {
					http.Redirect(w, r, "/notes", http.StatusFound)
					return
				}
				fmt.Fprint(w, form)
			})
			mux.HandleFunc("GET /notes", func(w http.ResponseWriter, r *http.Request) {
				if signedIn(w, r) {
					fmt.Fprint(w, `<!doctype html><title>Notes</title><ul><li><a href="/notes/7">Roadmap</a></li><li><a href="/notes/8">Budget</a></li></ul>`)
				}
			})
			mux.HandleFunc("GET /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
				if signedIn(w, r) {
					time.Sleep(tt.slow)
					fmt.Fprintf(w, `<!doctype html><title>Note</title><h1>Note %s</h1><a href="/notes">all notes</a>`, r.PathValue("id"))
				}
			})
			srv := httptest.NewTLSServer(mux)
			t.Cleanup(srv.Close)
			plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}, Limits: audit.Limits{Samples: 20},
				Accounts: audit.Accounts{A: &audit.Account{Email: "nia@notes.test", PasswordEnv: "PW"}}}
			target, err := audit.NewTarget(plan, func(string) string { return "Notes-Pass-123" })
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			got := APIP95(t.Context(), target)
			if got.Status != tt.want || !strings.Contains(got.Summary, "pages") {
				t.Errorf("got %s %q, want %s over the pages", got.Status, got.Summary, tt.want)
			}
		})
	}
}

// cookieLogin adds to mux a POST /login that, for password, sets a random sid cookie and sends the visitor to
// landing (else back to /), and returns the page with its sign-in form.
func cookieLogin(mux *http.ServeMux, title, password, landing string) string {
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("password") != password {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: uuid.NewString(), Path: "/", HttpOnly: true, Secure: true})
		http.Redirect(w, r, landing, http.StatusSeeOther)
	})
	return `<!doctype html><title>` + title + `</title><form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`
}

func TestSpan(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, tt := range []struct {
		lo, hi time.Duration
		want   string
	}{
		{ms(6921), ms(6924), "6.92s"},
		{ms(4561), ms(4602), "4.56s–4.6s"},
	} {
		if got := span(tt.lo, tt.hi, 10*time.Millisecond); got != tt.want {
			t.Errorf("span(%v, %v) = %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
}

// Loads that painted nothing by their limit are poor, the same band, and the evidence says what they saw.
func TestLCPOfLoadsThatPaintedNothing(t *testing.T) {
	late := func() *browser.LCP {
		return &browser.LCP{Time: 35 * time.Second, AtLeast: true, Element: "nothing painted yet", URL: "http://127.0.0.1:1880/"}
	}
	loads := []*browser.LCP{late(), late()}
	if !sameBand(loads) || lcpBand(medianLCP(loads).Time) != bandPoor {
		t.Fatal("two loads that painted nothing in 35 s do not decide a poor LCP")
	}
	if ev := lcpEvidence(loads, medianLCP(loads), nil); !strings.Contains(ev.Excerpt, "load 1: nothing painted within 35s") {
		t.Errorf("evidence %q", ev.Excerpt)
	}
}
