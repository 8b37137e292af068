package auth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
)

// The timing judge calls a gap only when it is both large and not chance: a hash skipped for unknown addresses
// is a tell even when the machine's load spreads the slow side wide; two samples of one distribution are not,
// and nor is a consistent gap of a millisecond.
func TestTimingJudge(t *testing.T) {
	ms := func(vs ...float64) []time.Duration {
		var out []time.Duration
		for _, v := range vs {
			out = append(out, time.Duration(v*float64(time.Millisecond)))
		}
		return out
	}
	repeat := func(vs []time.Duration, n int) []time.Duration {
		var out []time.Duration
		for len(out) < n {
			out = append(out, vs...)
		}
		return out[:n]
	}
	tests := []struct {
		name           string
		known, unknown []time.Duration
		tell           bool
	}{
		{"hash only for real accounts", repeat(ms(31, 29, 33, 30, 35), 20), repeat(ms(0.4, 0.5, 0.6), 20), true},
		{"the same, on a loaded machine", repeat(ms(30, 45, 120, 38, 200, 33, 90, 60), 20), repeat(ms(0.4, 3, 0.6, 12, 1), 20), true},
		{"hash for everyone", repeat(ms(31, 29, 33, 30, 35), 20), repeat(ms(30, 34, 29, 32, 31), 20), false},
		{"hash for everyone, loaded", repeat(ms(30, 45, 120, 38, 200, 33, 90, 60), 20), repeat(ms(60, 33, 45, 150, 31, 95, 38, 210), 20), false},
		// Ten samples a side from a CI run: the medians are in two bunches of slow and fast answers, over three
		// interquartile ranges apart, yet the ranks overlap (z = 1.7).
		{"hash for everyone, load bunched on one side", ms(32.5, 45, 60.2, 61.5, 63, 64.6, 68, 72.9, 95, 218.2), ms(16.2, 17.5, 18.2, 18.5, 18.8, 19.5, 33.5, 90, 150, 169.9), false},
		{"a consistent millisecond is network, not work", repeat(ms(1.9, 2.0, 2.1), 20), repeat(ms(0.9, 1.0, 1.1), 20), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := (&timing{known: tt.known, unknown: tt.unknown}).judge()
			if got := tm.tell != ""; got != tt.tell {
				t.Errorf("tell = %q, want a tell: %v", tm.tell, tt.tell)
			}
		})
	}
}

// The timed logins are bursts like any other — no window of the plan's burst bounds sees more than its requests —
// and a tell found in the first burst (half the bound per side) ends them there; no tell needs every sample, a
// window at a time. (A gap under timingMinGap is TestTimingJudge's: a server's sleep of a few milliseconds
// overshoots on a loaded machine.)
func TestTimingIsPaced(t *testing.T) {
	tests := []struct {
		name        string
		knownDelay  time.Duration // the app's extra work for an address with an account
		lockAfter   int           // the account is locked after this many failed logins, in words, answered 500 (0: never)
		wantSamples int           // of the account's address; the unknown side has as many, or one more
		tell        bool
	}{
		{"the same for every address: every sample", 0, 0, timingSamples, false},
		{"a hash only for accounts: one burst", 40 * time.Millisecond, 0, audit.MaxBurst / 2, true},
		// Node-RED: five failed logins per user in ten minutes, then 500 "Too many login attempts": the five
		// samples it allows, wholly apart, are judged.
		{"a lockout after five, in words: judged on five", 40 * time.Millisecond, 5, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var posts []time.Time
			known := 0
			mux := http.NewServeMux()
			form := `<form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`
			mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `<a href="/login">Sign in</a>`) })
			mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, form) })
			mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				posts = append(posts, time.Now())
				mu.Unlock()
				if r.FormValue("email") == "known@paced.test" {
					mu.Lock()
					known++
					locked := tt.lockAfter > 0 && known > tt.lockAfter
					mu.Unlock()
					if locked {
						http.Error(w, "Too many login attempts. Wait 10 minutes and try again", http.StatusInternalServerError)
						return
					}
					time.Sleep(tt.knownDelay)
				}
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, "Wrong email or password."+form)
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			const burst, window = audit.MaxBurst, time.Second
			plan := &audit.Plan{App: srv.URL + "/", Limits: audit.Limits{Burst: burst, BurstWindow: audit.Duration(window)}}
			target, err := audit.NewTarget(plan, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			tm := loginTiming(t.Context(), target, "known@paced.test", "wrong-password")
			if len(tm.known) != tt.wantSamples || len(tm.unknown) != tt.wantSamples && len(tm.unknown) != tt.wantSamples+1 {
				t.Errorf("%d and %d samples (%s), want %d each", len(tm.known), len(tm.unknown), tm.note, tt.wantSamples)
			}
			if got := tm.tell != ""; got != tt.tell {
				t.Errorf("tell = %q, want a tell: %v", tm.tell, tt.tell)
			}
			for i := range posts {
				in := 0
				for _, p := range posts[i:] {
					if p.Sub(posts[i]) < window-50*time.Millisecond {
						in++
					}
				}
				if in > burst {
					t.Fatalf("%d login posts within %s of post %d: over the burst of %d", in, window, i, burst)
				}
			}
		})
	}
}
