package auth

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/probe"
)

// Timing over HTTP: how many login submissions each side gets at most, how few are enough to judge (an app that
// limits failed logins stops the samples early, which is its own good answer), and the gap below which a
// difference is network noise rather than work the app did.
const (
	timingSamples = 20
	timingEnough  = 8
	timingLimited = 5 // enough when a limit on failed logins stopped the samples: five each, wholly apart, is p < 0.01
	timingMinGap  = 10 * time.Millisecond
	timingIQRs    = 3
	timingZ       = 3.29 // two-sided p < 0.001
	timingZIQR    = 2.58 // two-sided p < 0.01: what a gap of timingIQRs needs of the rank test besides
)

// timing is what the login's timing showed: the samples of each side, and whether they tell the addresses apart.
type timing struct {
	known, unknown []time.Duration
	statuses       [2]map[int]int // per side, how often each status came back
	tell           string
	note           string // why the timing was not judged, when it was not
	limited        bool   // a limit on failed logins stopped the samples
}

// loginTiming replays the app's own login submission over HTTP — the account's address with a wrong password, and
// fresh unknown addresses — interleaved, and calls it a timing oracle when the medians differ by at least
// timingMinGap and a rank test puts the chance of it below one in a thousand, or below one in a hundred with the
// medians more than timingIQRs pooled interquartile ranges apart. A browser submit takes hundreds of milliseconds with its waits, where a
// password hash's 20 ms drowns; a bare HTTP request does not.
//
// The logins go out one after another as bursts within the plan's burst bounds (by default 10 per side, sent in a
// second or two, then the next a window later). A tell found in a burst ends the samples there; the same answer
// for both sides needs all timingSamples each.
func loginTiming(ctx context.Context, t *audit.Target, known, wrong string) *timing {
	tm := &timing{statuses: [2]map[int]int{{}, {}}}
	form, err := t.Form(ctx, account.Login)
	if err != nil {
		tm.note = "login timing over HTTP: " + err.Error()
		return tm
	}
	// One visitor per side, each keeping the form as read while its cookies stay the same: only the logins are
	// timed, and the form page is not fetched again before each.
	jars := [2]http.CookieJar{form.NewJar(), form.NewJar()}
	send := func(addr string, side int) (time.Duration, int, string, error) {
		req, err := form.Request(ctx, jars[side], account.Values{account.Email: addr, account.Password: wrong})
		if err != nil {
			return 0, 0, "", err
		}
		resp, err := t.Probe.Do(ctx, req)
		if err != nil {
			return 0, 0, "", err
		}
		// Only an answer of the login itself times the password check: not a limit's, a failing server's, or a
		// CSRF check's that turned the replay away before the handler read it.
		void := ""
		switch {
		case resp.Status == 429 || resp.Status == 423:
			void = fmt.Sprintf("the app answered %d (it limits failed logins)", resp.Status)
			tm.limited = true
		case resp.Status >= 400 && account.LockoutText.MatchString(account.Shown(resp)):
			// A lockout in words, whatever its status (Node-RED: 500 "Too many login attempts. Wait 10 minutes").
			void = fmt.Sprintf("the app answered %d %q (it limits failed logins)", resp.Status, account.Clip(strings.TrimSpace(account.Shown(resp)), 80))
			tm.limited = true
		case probe.NoVerdict(resp.Status):
			void = fmt.Sprintf("the app answered %d, a failure rather than the login's answer", resp.Status)
		case account.TurnedAway(resp) != "":
			void = fmt.Sprintf("the replayed login was turned away by %s (%d), before the password was checked", account.TurnedAway(resp), resp.Status)
		}
		return resp.Duration, resp.Status, void, nil
	}
	n, window := t.Plan.Limits.BurstBounds()
	perBurst := max(1, n/2) // rounds: a known and an unknown login each
	pace := slidingWindow{n: n, window: window}
	// Failed logins in bursts may get this address blocked: not while the main checks read the app.
	audit.AfterMain(ctx)
	for i := range timingSamples {
		if i > 0 && i%perBurst == 0 && tm.told() {
			return tm
		}
		// Interleaved, the order swapped every round, so drift in the machine's load falls on both sides alike.
		order := []bool{true, false}
		if i%2 == 1 {
			order = []bool{false, true}
		}
		for _, isKnown := range order {
			if err := pace.wait(ctx); err != nil {
				tm.note = "login timing over HTTP: " + err.Error()
				return tm.judge()
			}
			addr, side := known, 0
			if !isKnown {
				addr, side = "launchready-nobody-"+randomHex(4)+"@"+domainOf(known), 1
			}
			took, status, void, err := send(addr, side)
			if err != nil {
				tm.note = fmt.Sprintf("login timing over HTTP stopped after %d rounds: %v", i, err)
				return tm.judge()
			}
			if void != "" {
				tm.note = fmt.Sprintf("login timing over HTTP stopped after %d rounds: %s", i, void)
				return tm.judge()
			}
			tm.statuses[side][status]++
			if isKnown {
				tm.known = append(tm.known, took)
			} else {
				tm.unknown = append(tm.unknown, took)
			}
		}
	}
	return tm.judge()
}

// slidingWindow paces requests so that no span of window holds more than n of them: the k-th waits until window
// has passed since the (k-n)-th was sent.
type slidingWindow struct {
	n      int
	window time.Duration
	sent   []time.Time
}

// The wait is rest (audit.Idle): the measurements may run meanwhile.
func (s *slidingWindow) wait(ctx context.Context) error {
	if k := len(s.sent); k >= s.n {
		audit.Idle(ctx, func() {
			select {
			case <-ctx.Done():
			case <-time.After(time.Until(s.sent[k-s.n].Add(s.window))):
			}
		})
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	s.sent = append(s.sent, time.Now())
	return nil
}

// told reports whether the samples so far already show a tell: more would only refine it.
func (tm *timing) told() bool {
	return len(tm.known) >= timingEnough && len(tm.unknown) >= timingEnough && tm.judge().tell != ""
}

// judge decides on the samples gathered.
func (tm *timing) judge() *timing {
	if len(tm.known) < tm.floor() || len(tm.unknown) < tm.floor() {
		if tm.note == "" {
			tm.note = "login timing over HTTP: too few samples"
		}
		return tm
	}
	mk, mu := quantile(tm.known, 0.5), quantile(tm.unknown, 0.5)
	iqr := (quantile(tm.known, 0.75) - quantile(tm.known, 0.25) + quantile(tm.unknown, 0.75) - quantile(tm.unknown, 0.25)) / 2
	gap := absDiff(mk, mu)
	z := rankZ(tm.known, tm.unknown)
	// The interquartile rule alone is not enough: on a loaded machine a few slow answers bunch on one side of ten
	// samples, and both medians land in the bunches (63.8 against 18.8 ms, z = 1.8, on an app that hashes for
	// every address). The rank test weighs every pair of samples, so it has the last word.
	if gap >= timingMinGap && (math.Abs(z) > timingZ || gap > timingIQRs*iqr && math.Abs(z) > timingZIQR) {
		slower := "an address with an account"
		if mu > mk {
			slower = "an unknown address"
		}
		tm.tell = fmt.Sprintf("the time differs: a failed login for %s takes %s (median of %d) against %s (median of %d): a gap of %s, rank test z = %.1f",
			slower, ms(max(mk, mu)), len(tm.known), ms(min(mk, mu)), len(tm.unknown), ms(gap), z)
	}
	return tm
}

// decided reports whether the timing had enough samples to judge.
func (tm *timing) decided() bool {
	return tm.note == "" || len(tm.known) >= tm.floor() && len(tm.unknown) >= tm.floor()
}

// floor is how many samples each side needs to be judged: fewer when the app's limit on failed logins stopped
// them (Node-RED locks an account after 5), where no more can be had; the rank test then decides only on sides
// wholly apart.
func (tm *timing) floor() int {
	if tm.limited {
		return timingLimited
	}
	return timingEnough
}

// evidence shows both distributions.
func (tm *timing) evidence() []audit.Evidence {
	if len(tm.known) == 0 {
		return nil
	}
	line := func(name string, d []time.Duration, st map[int]int) string {
		var codes []string
		for code, n := range st {
			codes = append(codes, fmt.Sprintf("%d×%d", code, n))
		}
		slices.Sort(codes)
		return fmt.Sprintf("%s: %d samples, median %s, quartiles %s–%s, fastest %s, slowest %s; answered %s", name, len(d),
			ms(quantile(d, 0.5)), ms(quantile(d, 0.25)), ms(quantile(d, 0.75)), ms(slices.Min(d)), ms(slices.Max(d)), strings.Join(codes, ", "))
	}
	text := line("the account's address, wrong password", tm.known, tm.statuses[0]) + "\n" + line("unknown addresses", tm.unknown, tm.statuses[1])
	if tm.note != "" {
		text += "\n" + tm.note
	}
	return []audit.Evidence{audit.Note("login timing over HTTP, interleaved", text)}
}

// rankZ is the Mann-Whitney rank test's z score of a against b (normal approximation, ties counted half): how far
// the chance that a sample of a is slower than one of b lies from the even odds of two samples of one distribution.
// It holds where one side is much more spread than the other, which the interquartile rule does not.
func rankZ(a, b []time.Duration) float64 {
	var u float64
	for _, x := range a {
		for _, y := range b {
			switch {
			case x > y:
				u++
			case x == y:
				u += 0.5
			}
		}
	}
	n1, n2 := float64(len(a)), float64(len(b))
	return (u - n1*n2/2) / math.Sqrt(n1*n2*(n1+n2+1)/12)
}

// quantile is the q-quantile of d (nearest rank).
func quantile(d []time.Duration, q float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(q * float64(len(s)-1))
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
