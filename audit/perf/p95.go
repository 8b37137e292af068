package perf

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// Sampling bounds: light concurrency, a bounded count, a bounded time.
const (
	sampleConcurrency = 4
	samplesTotal      = 200
	samplesPerPattern = 20
	sampleTime        = 20 * time.Second
	p95Limit          = 500 * time.Millisecond
	// A pass needs this many answers at least, and at most this share of the requests left unanswered or answered
	// otherwise than the browser saw them (a 429, a 401, a 5xx): a p95 of answers is not the p95 of requests.
	minSamples  = 10
	maxBadShare = 0.05
)

var idLike = regexp.MustCompile(`^(\d+|[0-9a-fA-F-]{32,36}|[0-9A-Za-z_-]{20,})$`)

// patternOf groups URLs of one endpoint: "/api/posts/42" -> "/api/posts/{id}".
func patternOf(u *url.URL) string {
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if idLike.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	return "GET " + strings.Join(segs, "/")
}

// APIP95 replays account A's recorded API reads (the core flows) a bounded number of times with light concurrency
// and reports exact p50/p95/p99 per endpoint and overall.
func APIP95(ctx context.Context, t *audit.Target) audit.Result {
	bs, err := t.BrowserSession(ctx, "a")
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	creds := audit.FromBrowser("a", bs)
	// The API reads the pages made; on a server-rendered app, which makes none, the pages themselves: their HTML is
	// where its time goes. (Beside API reads, an app shell's HTML, the same fast file for every route, would only
	// dilute the figure.)
	what, unit := "API reads", "endpoints"
	byPattern, order := reads(t, bs.Traffic, func(x *browser.Exchange) bool { return x.IsAPI() })
	if len(order) == 0 {
		what, unit = "pages (server-rendered: the browser recorded no API read), each page's HTML", "pages"
		// The pages the account was shown after its login: the landing page and those the walk opened, not the
		// login page and what led to it, which were anonymous (Miniflux's login page is /, which redirects once in).
		shown := map[string]bool{bs.LandingURL: true}
		for _, w := range bs.Walked {
			shown[w] = true
		}
		byPattern, order = reads(t, bs.Traffic, func(x *browser.Exchange) bool { return x.Type == "Document" && x.MainFrame && shown[x.URL] })
	}
	if len(order) == 0 {
		return audit.Undecided("the browser recorded no API read and no page of the app answered 200 to time")
	}
	total := samplesTotal
	if n := t.Plan.Limits.Samples; n > 0 && n < total {
		total = n
	}
	per := min(samplesPerPattern, max(1, total/len(order)))
	times, bad, errs, stoppedAt := sampleAll(ctx, t, creds, order, byPattern, per, overLimit)

	var all []time.Duration
	var lines, unanswered []string
	worst, worstP95 := "", time.Duration(0)
	sent, badAll := 0, 0
	for _, p := range order {
		ts := times[p]
		sent += len(ts) + len(bad[p])
		badAll += len(bad[p])
		if len(bad[p]) > 0 {
			unanswered = append(unanswered, fmt.Sprintf("%s: %d of %d (%s)", p, len(bad[p]), len(ts)+len(bad[p]), tally(bad[p])))
		}
		if len(ts) == 0 {
			continue
		}
		all = append(all, ts...)
		q := quantiles(ts)
		lines = append(lines, fmt.Sprintf("%-48s n=%-3d p50 %-8s p95 %-8s p99 %s", p, len(ts), ms(q[0]), ms(q[1]), ms(q[2])))
		if q[1] > worstP95 {
			worst, worstP95 = p, q[1]
		}
	}
	var notAnswered []audit.Evidence
	if len(unanswered) > 0 {
		notAnswered = append(notAnswered, audit.Note("requests not answered as the browser saw them (not timed)", strings.Join(unanswered, "\n")))
	}
	if len(all) == 0 {
		why := "no request came back"
		if len(errs) > 0 {
			why += ": " + errs[0]
		}
		if badAll > 0 {
			why = fmt.Sprintf("none of %d requests was answered as the browser saw it answered", sent)
		}
		return audit.Undecided(why, notAnswered...)
	}
	q := quantiles(all)
	lines = append(lines, fmt.Sprintf("%-48s n=%-3d p50 %-8s p95 %-8s p99 %s", "overall", len(all), ms(q[0]), ms(q[1]), ms(q[2])))
	if stoppedAt > 0 {
		lines = append(lines, fmt.Sprintf("sampling stopped after %d of %d rounds: these already put more than 5%% of answers at %s or over (99%% confidence), so the p95 is over the limit whatever the rest would show", stoppedAt, per, ms(p95Limit)))
	}
	ev := append([]audit.Evidence{audit.Note("latency of "+what+", send to last body byte, warm connections, "+fmt.Sprint(sampleConcurrency)+" at a time", strings.Join(lines, "\n"))}, notAnswered...)
	summary := fmt.Sprintf("p95 %s over %d samples of %d %s (p50 %s, p99 %s)", ms(q[1]), len(all), len(times), unit, ms(q[0]), ms(q[2]))
	switch {
	case q[1] >= p95Limit:
		return audit.Failed(0, summary+"; slowest: "+worst+" at p95 "+ms(worstP95), ev...)
	case float64(badAll) > maxBadShare*float64(sent):
		return audit.Undecided(fmt.Sprintf("%s, but %d of %d requests were not answered as the browser saw them (see the evidence): their time is not known, so the p95 of requests is not either", summary, badAll, sent), ev...)
	case len(all) < minSamples:
		return audit.Undecided(fmt.Sprintf("%s: too few answers to read a p95 from (at least %d; raise limits.samples)", summary, minSamples), ev...)
	}
	return audit.Passed(summary, ev...)
}

// reads picks, from the recorded traffic, the GETs of the app that answered 2xx and pass keep: one URL per
// pattern, in the order first seen.
func reads(t *audit.Target, traffic []browser.Exchange, keep func(*browser.Exchange) bool) (map[string]string, []string) {
	byPattern := map[string]string{} // pattern -> one URL to sample
	var order []string
	for i := range traffic {
		x := &traffic[i]
		u, err := url.Parse(x.URL)
		if err != nil || !keep(x) || x.Method != "GET" || x.Status < 200 || x.Status >= 300 || !t.Probe.InScope(u) {
			continue
		}
		p := patternOf(u)
		if _, ok := byPattern[p]; !ok {
			byPattern[p] = x.URL
			order = append(order, p)
		}
	}
	return byPattern, order
}

// tally counts what came back instead of an answer: "429 x18, timeout x2".
func tally(what []string) string {
	n := map[string]int{}
	var order []string
	for _, w := range what {
		if n[w] == 0 {
			order = append(order, w)
		}
		n[w]++
	}
	parts := make([]string, len(order))
	for i, w := range order {
		parts[i] = fmt.Sprintf("%s x%d", w, n[w])
	}
	return strings.Join(parts, ", ")
}

// sampleAll requests each pattern's URL per times, sampleConcurrency at a time, interleaving patterns so the time
// cap cuts all of them evenly, and returns each 2xx answer's time from sending to the last body byte; what came
// back instead of a 2xx (a status, "no answer") per pattern, and the errors. Given decided, it looks at the times
// after minRounds rounds, then after twice as many each time (5, 10, then all 20): once they decide (overLimit), the
// rest is not sent and stoppedAt is the rounds sent (0: the whole sample).
func sampleAll(ctx context.Context, t *audit.Target, creds *audit.Session, order []string, byPattern map[string]string, per int, decided func([]time.Duration) bool) (times map[string][]time.Duration, bad map[string][]string, errs []string, stoppedAt int) {
	type job struct{ pattern, url string }
	var mu sync.Mutex
	times = map[string][]time.Duration{}
	bad = map[string][]string{}
	deadline := time.Now().Add(sampleTime)
	rounds := func(n int) {
		jobs := make(chan job)
		var wg sync.WaitGroup
		for range sampleConcurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					if time.Now().After(deadline) || ctx.Err() != nil {
						continue
					}
					req := &probe.Request{URL: j.url}
					if creds != nil {
						creds.Apply(req)
					}
					resp, err := t.Probe.Do(ctx, req)
					mu.Lock()
					switch {
					case err != nil:
						errs = append(errs, err.Error())
						bad[j.pattern] = append(bad[j.pattern], "no answer")
					case resp.Status < 200 || resp.Status >= 300:
						bad[j.pattern] = append(bad[j.pattern], fmt.Sprint(resp.Status))
					default:
						times[j.pattern] = append(times[j.pattern], resp.Duration)
					}
					mu.Unlock()
				}
			}()
		}
		for range n {
			for _, p := range order {
				jobs <- job{p, byPattern[p]}
			}
		}
		close(jobs)
		wg.Wait()
	}
	var all []time.Duration
	done, next := 0, per
	if decided != nil && per >= 2*minRounds {
		next = minRounds
	}
	for {
		rounds(next - done)
		done = next
		if done >= per {
			return times, bad, errs, 0
		}
		all = all[:0]
		for _, ts := range times {
			all = append(all, ts...)
		}
		if decided(all) {
			return times, bad, errs, done
		}
		next = min(per, 2*next)
	}
}

// minRounds is the fewest rounds a sample must have for an early verdict.
const minRounds = 5

// overLimit reports samples whose share at or over p95Limit is above 5% with 99% confidence (the lower end of the
// share's Wilson interval): the p95 is over the limit, and more samples would only narrow the figure. A pass has
// no such early end: a slow tail of a few percent needs the whole sample to show.
func overLimit(ts []time.Duration) bool {
	n := float64(len(ts))
	if n == 0 {
		return false
	}
	k := 0.0
	for _, d := range ts {
		if d >= p95Limit {
			k++
		}
	}
	const z = 2.326 // one-sided 99%
	p := k / n
	lower := (p + z*z/(2*n) - z*math.Sqrt(p*(1-p)/n+z*z/(4*n*n))) / (1 + z*z/n)
	return lower > 0.05
}

// quantiles returns the exact p50, p95 and p99 of the samples (nearest rank), no histogram involved.
func quantiles(ts []time.Duration) [3]time.Duration {
	s := append([]time.Duration(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(p float64) time.Duration {
		i := int(float64(len(s))*p+0.999999) - 1
		return s[max(0, min(len(s)-1, i))]
	}
	return [3]time.Duration{rank(0.50), rank(0.95), rank(0.99)}
}

func ms(d time.Duration) string { return millis(d) }
