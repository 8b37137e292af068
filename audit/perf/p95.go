package perf

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// Sampling bounds: light concurrency, a bounded count, a bounded time.
const (
	sampleConcurrency = 4
	samplesTotal      = 200
	samplesPerPattern = 20
	sampleTime        = 20 * time.Second
	p95Limit          = 500 * time.Millisecond
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
	byPattern := map[string]string{} // pattern -> one URL to sample
	var order []string
	for _, x := range bs.Traffic {
		u, err := url.Parse(x.URL)
		if err != nil || !x.IsAPI() || x.Method != "GET" || x.Status < 200 || x.Status >= 300 || !t.Probe.InScope(u) {
			continue
		}
		p := patternOf(u)
		if _, ok := byPattern[p]; !ok {
			byPattern[p] = x.URL
			order = append(order, p)
		}
	}
	if len(order) == 0 {
		return audit.Undecided("the browser recorded no API read of the app to time (server-rendered pages only?)")
	}
	total := samplesTotal
	if n := t.Plan.Limits.Samples; n > 0 && n < total {
		total = n
	}
	per := min(samplesPerPattern, max(1, total/len(order)))
	times, errs := sampleAll(ctx, t, creds, order, byPattern, per)

	var all []time.Duration
	var lines []string
	worst, worstP95 := "", time.Duration(0)
	for _, p := range order {
		ts := times[p]
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
	if len(all) == 0 {
		return audit.Undecided(fmt.Sprintf("no sample came back: %s", strings.Join(errs[:min(1, len(errs))], "")))
	}
	q := quantiles(all)
	lines = append(lines, fmt.Sprintf("%-48s n=%-3d p50 %-8s p95 %-8s p99 %s", "overall", len(all), ms(q[0]), ms(q[1]), ms(q[2])))
	ev := audit.Note("latency, send to last body byte, warm connections, "+fmt.Sprint(sampleConcurrency)+" at a time", strings.Join(lines, "\n"))
	summary := fmt.Sprintf("p95 %s over %d samples of %d endpoints (p50 %s, p99 %s)", ms(q[1]), len(all), len(times), ms(q[0]), ms(q[2]))
	if q[1] >= p95Limit {
		return audit.Failed(0, summary+"; slowest: "+worst+" at p95 "+ms(worstP95), ev)
	}
	return audit.Passed(summary, ev)
}

// sampleAll requests each pattern's URL per times, sampleConcurrency at a time, interleaving patterns so the time
// cap cuts all of them evenly, and returns each request's time from sending to the last body byte.
func sampleAll(ctx context.Context, t *audit.Target, creds *audit.Session, order []string, byPattern map[string]string, per int) (map[string][]time.Duration, []string) {
	type job struct{ pattern, url string }
	jobs := make(chan job)
	var mu sync.Mutex
	times := map[string][]time.Duration{}
	var errs []string
	deadline := time.Now().Add(sampleTime)
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
				if err != nil {
					errs = append(errs, err.Error())
				} else {
					times[j.pattern] = append(times[j.pattern], resp.Duration)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < per; i++ {
		for _, p := range order {
			jobs <- job{p, byPattern[p]}
		}
	}
	close(jobs)
	wg.Wait()
	return times, errs
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
