package browser_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/launchready/launchready/browser"
	"github.com/launchready/launchready/browser/browsertest"
)

// settleApp serves pages that go on working after their first requests have ended: the moments a wait for a page
// to settle must not take for the end.
func settleApp(t *testing.T) *httptest.Server {
	t.Helper()
	page := func(script string) string {
		return `<!doctype html><html><body><h1>app</h1><form><input name=q><button type=button data-lr=submit>Go</button></form><script>` + script + `</script></body></html>`
	}
	pages := map[string]string{
		// An SPA that asks who is signed in and, refused, sends the visitor to its login page after a short delay.
		"/bounce": page(`fetch('/api/me').then(r => { if (r.status === 401) setTimeout(() => { location.href = '/login' }, 400) })`),
		// A script that fetches more after a pause of its own.
		"/later": page(`fetch('/api/me').then(() => new Promise(r => setTimeout(r, 400))).then(() => fetch('/api/late'))`),
		// A script busy for 400 ms between two requests.
		"/busy": page(`fetch('/api/me').then(() => { const t = performance.now(); while (performance.now() - t < 400) {} ; return fetch('/api/late') })`),
		// A script that works in short tasks, one after another (as React's scheduler does), then fetches more.
		"/tasks": page(`fetch('/api/me').then(() => { let n = 0; const ch = new MessageChannel(); ch.port1.onmessage = () => { const t = performance.now(); while (performance.now() - t < 50) {} ; if (++n < 8) ch.port2.postMessage(0); else fetch('/api/late') }; ch.port2.postMessage(0) })`),
		// A button whose handler signs in, waits, then moves on.
		"/press": page(`document.querySelector('button').onclick = async () => { await fetch('/api/me'); await new Promise(r => setTimeout(r, 300)); location.href = '/home' }`),
		// A clock that ticks every half second, forever.
		"/clock": page(`setInterval(() => { document.querySelector('h1').textContent = new Date().toISOString() }, 500)`),
		// A page that waits on an answer that never comes (a long poll through fetch).
		"/hang": page(`fetch('/api/hang?since=0')`),
		// A page whose script, once loaded, runs for 600 ms (evaluating a large bundle) and then starts its app.
		"/longtask": page(`setTimeout(() => { const t = performance.now(); while (performance.now() - t < 600) {} ; fetch('/api/late') }, 50)`),
		// A page that asks for news every 100 ms (polling).
		"/poll": page(`setInterval(() => fetch('/api/late?n=' + Date.now()), 100)`),
		// A page that starts a worker (a code editor's, a search index's): the browser reports the worker's script
		// request to the page but its end to the worker alone.
		"/worker": page(`new Worker('/worker.js'); fetch('/api/me')`),
		"/idle":   page(``),
		"/login":  page(``),
		"/home":   page(``),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/me":
			time.Sleep(20 * time.Millisecond)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"not signed in"}`)
		case "/api/late":
			fmt.Fprint(w, `{}`)
		case "/api/hang":
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		case "/worker.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `onmessage = e => postMessage(e.data)`)
		default:
			body, ok := pages[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, body)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func settlePage(t *testing.T) *Page {
	t.Helper()
	_, p := settleEngine(t)
	return p
}

// settleEngine launches a browser for a settle test and opens a page in it.
func settleEngine(t *testing.T) (*Engine, *Page) {
	t.Helper()
	e, err := Launch(t.Context(), Options{Bin: browsertest.Bin(t), Scope: []string{"127.0.0.1"}, ScreenshotDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	c, err := e.NewContext("settle")
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.NewPage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return e, p
}

// A page is settled only once it is done: a wait that ends while a timer of the page's own is about to send it
// elsewhere or fetch more, or while its script is busy, misses a refused visitor's bounce (a false "logged in") or
// the API call the ID swap replays.
func TestSettleWaitsForWhatThePageStillDoes(t *testing.T) {
	srv := settleApp(t)
	p := settlePage(t)
	fetched := func(path string) bool {
		for _, x := range p.Traffic() {
			if strings.HasSuffix(x.URL, path) && x.Status == 200 {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		name, path string
		press      bool
		done       func() bool
	}{
		{"a bounce after a timer", "/bounce", false, func() bool { return strings.HasSuffix(p.URL(), "/login") }},
		{"a fetch after a timer", "/later", false, func() bool { return fetched("/api/late") }},
		{"a fetch after a busy script", "/busy", false, func() bool { return fetched("/api/late") }},
		{"a fetch after a run of short tasks", "/tasks", false, func() bool { return fetched("/api/late") }},
		{"a click that moves on after a pause", "/press", true, func() bool { return strings.HasSuffix(p.URL(), "/home") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The page's pauses (400 ms) are shorter than the window given here (2 s) and the click's (300 ms,
			// its window 400 ms): only a sooner end that misjudged the page ends the wait before them.
			if tc.press {
				if err := p.Goto(srv.URL + tc.path); err != nil {
					t.Fatal(err)
				}
				p.Click("button")
			} else {
				since := time.Now()
				if err := p.Navigate(srv.URL + tc.path); err != nil {
					t.Fatal(err)
				}
				p.Quiet(since, 2*time.Second, 5*time.Second)
			}
			if !tc.done() {
				t.Errorf("the wait ended before the page was done (at %s)", p.URL())
			}
		})
	}
}

// The sooner end is for a page that is idle by every sign; a page whose clock ticks every half second never says
// so, and its wait ends by the window, as before, not by the limit.
func TestSettleSoonerOnlyOnAnIdlePage(t *testing.T) {
	srv := settleApp(t)
	p := settlePage(t)
	var ends []string
	for range 3 { // a starved CI machine may keep the page's thread from idling once; not three times
		if err := p.Navigate(srv.URL + "/idle"); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, p.Quiet(time.Now(), time.Second, 5*time.Second))
	}
	if !strings.Contains(fmt.Sprint(ends), string(ByIdle)) {
		t.Errorf("an idle page never ended its wait by saying so: %q", ends)
	}
	if err := p.Navigate(srv.URL + "/clock"); err != nil {
		t.Fatal(err)
	}
	if by := p.Quiet(time.Now(), 300*time.Millisecond, 5*time.Second); by != string(ByWindow) {
		t.Errorf("a page with a clock: the wait ended by %q, want %q", by, ByWindow)
	}
}

// A worker's script is fetched for the worker, which the page's requests do not show ending: a page that starts one
// is settled like any other, by the window or sooner, not held to the limit (PocketBase's admin UI starts an
// editor's worker on every page; each login waited its full 8 s).
func TestSettleIsNotHeldByAWorker(t *testing.T) {
	srv := settleApp(t)
	p := settlePage(t)
	since := time.Now()
	if err := p.Navigate(srv.URL + "/worker"); err != nil {
		t.Fatal(err)
	}
	if by := p.Quiet(since, 500*time.Millisecond, 10*time.Second); by != string(ByWindow) && by != string(ByIdle) {
		t.Errorf("a page with a worker: the wait ended by %q, want the window or the page's word", by)
	}
	began := time.Now()
	var worker bool
	for _, x := range p.Traffic() {
		worker = worker || strings.HasSuffix(x.URL, "/worker.js")
	}
	if !worker {
		t.Error("the worker's script request is not recorded")
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("reading the traffic took %s", took)
	}
}

// A wait that runs to its limit is noted with what held it, for the report: a fetch that never ends, or requests
// that kept coming; not the worker's script, nor a page that settled.
func TestStalledWaitsAreNamed(t *testing.T) {
	srv := settleApp(t)
	e, p := settleEngine(t)
	for _, path := range []string{"/idle", "/worker", "/hang", "/poll"} {
		since := time.Now()
		if err := p.Navigate(srv.URL + path); err != nil {
			t.Fatal(err)
		}
		p.Quiet(since, 300*time.Millisecond, 1500*time.Millisecond)
	}
	got := e.Stalled()
	hang, poll := "GET "+srv.URL+"/api/hang", "requests kept coming, the last GET "+srv.URL+"/api/late"
	if len(got) != 2 || got[hang] != 1 || got[poll] != 1 {
		t.Errorf("stalled waits %v, want %q and %q once each", got, hang, poll)
	}
}

// A page busy with a task of its own sends nothing for longer than the window, then starts its app: the window
// holds only once the page answers and has started no fetch since the action (Node-RED's editor, whose login
// dialog came after the wait had ended).
func TestSettleWaitsOutALongTask(t *testing.T) {
	srv := settleApp(t)
	p := settlePage(t)
	since := time.Now()
	if err := p.Navigate(srv.URL + "/longtask"); err != nil {
		t.Fatal(err)
	}
	by := p.Quiet(since, 300*time.Millisecond, 5*time.Second)
	for _, x := range p.Traffic() {
		if strings.HasSuffix(x.URL, "/api/late") && x.Status == 200 {
			return
		}
	}
	t.Errorf("the wait ended (by %q) while the page was still busy, before its fetch", by)
}
