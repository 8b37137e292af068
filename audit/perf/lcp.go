package perf

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser"
)

// Core Web Vitals thresholds for LCP: good up to 2.5 s, needs work up to 4 s, poor beyond.
const (
	lcpGood = 2500 * time.Millisecond
	lcpPoor = 4000 * time.Millisecond
)

// lcpLoads is how many cold loads the figure is the median of; a load that fails is tried again, up to
// lcpAttempts loads in all. The first lcpSideBySide loads are made at once.
const (
	lcpLoads      = 3
	lcpAttempts   = 5
	lcpSideBySide = 2 // the first loads, made at once
)

// LCPMobile loads the app's first page the way Lighthouse's mobile run does (a mid-range phone on a slow network,
// cold cache), the first two loads side by side and any other alone, and judges the median Largest Contentful
// Paint of three loads. The median of three always lies between any two of them: when the first two loads fall in
// the same band (good, needs work, poor), the median's band is known and the third load is not made. The figure is
// then the two loads' range.
func LCPMobile(ctx context.Context, t *audit.Target) audit.Result {
	engine, err := t.Browser()
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	loads, failures := measureLCP(ctx, engine, t.App.String(), sameBand)
	if len(loads) < lcpLoads && !sameBand(loads) {
		why := "the audit ended first"
		if len(failures) > 0 {
			why = failures[len(failures)-1]
		}
		return audit.Undecided(fmt.Sprintf("measuring LCP: %d of %d loads measured (%s)", len(loads), lcpLoads, why))
	}
	med := medianLCP(loads)
	ev := lcpEvidence(loads, med, failures)
	figure, of := med.Time.Round(10*time.Millisecond).String(), fmt.Sprintf("median of %d loads", lcpLoads)
	if len(loads) < lcpLoads {
		lo, hi := lcpRange(loads)
		figure, of = span(lo, hi, 10*time.Millisecond), "two loads, the same band: the median of three lies between them"
	}
	if med.AtLeast {
		figure = "over " + med.Time.Round(time.Second).String() + " (nothing painted by then)"
	}
	switch lcpBand(med.Time) {
	case bandPoor:
		return audit.Failed(0, fmt.Sprintf("mobile LCP is %s (poor: over 4 s; %s): %s", figure, of, med.Element), ev)
	case bandNeedsWork:
		return audit.Warned(audit.Low, fmt.Sprintf("mobile LCP is %s, over the 2.5 s target (%s): %s", figure, of, med.Element), ev)
	}
	return audit.Passed(fmt.Sprintf("mobile LCP is %s (%s)", figure, of), ev)
}

// The Core Web Vitals bands of an LCP.
const (
	bandGood = iota
	bandNeedsWork
	bandPoor
)

func lcpBand(d time.Duration) int {
	switch {
	case d > lcpPoor:
		return bandPoor
	case d > lcpGood:
		return bandNeedsWork
	}
	return bandGood
}

// sameBand reports two loads in the same band: the median of three, which lies between them, is in it too.
func sameBand(loads []*browser.LCP) bool {
	return len(loads) == 2 && lcpBand(loads[0].Time) == lcpBand(loads[1].Time)
}

func lcpRange(loads []*browser.LCP) (lo, hi time.Duration) {
	lo, hi = loads[0].Time, loads[0].Time
	for _, l := range loads[1:] {
		lo, hi = min(lo, l.Time), max(hi, l.Time)
	}
	return lo, hi
}

// measureLCP loads u cold lcpLoads times, the first two side by side and the others one at a time, trying a failed
// load again up to lcpAttempts loads in all; it stops early once enough (when given) says the loads so far decide.
func measureLCP(ctx context.Context, engine *browser.Engine, u string, enough func([]*browser.LCP) bool) (loads []*browser.LCP, failures []string) {
	take := func(lcp *browser.LCP, err error) {
		switch {
		case err != nil:
			failures = append(failures, err.Error())
		// An error page (a 503 from a sleeping host, a 404) paints fast and says nothing of the app's own page.
		case lcp.Status < 200 || lcp.Status >= 300:
			failures = append(failures, fmt.Sprintf("the page answered %s, not the app's page: its paint is no figure", statusWords(lcp.Status)))
		default:
			loads = append(loads, lcp)
		}
	}
	// The first two loads side by side, each in a context of its own: a throttled renderer's main thread runs a
	// quarter of the time, so two of them share this machine's cores without slowing each other (bench/lcp.sh:
	// within a few percent of one at a time, and of Lighthouse).
	type load struct {
		lcp *browser.LCP
		err error
	}
	var first [lcpSideBySide]load
	var wg sync.WaitGroup
	for i := range first {
		wg.Go(func() { first[i].lcp, first[i].err = engine.MeasureLCP(ctx, u) })
	}
	wg.Wait()
	for _, l := range first {
		take(l.lcp, l.err)
	}
	// Then one at a time, while the figure is not decided and loads fail.
	for range lcpAttempts - len(first) {
		if len(loads) >= lcpLoads || enough != nil && enough(loads) || ctx.Err() != nil {
			break
		}
		take(engine.MeasureLCP(ctx, u))
	}
	return loads, failures
}

// medianLCP is the load with the median time (the middle one of an odd count, the later of two).
func medianLCP(loads []*browser.LCP) *browser.LCP {
	sorted := slices.Clone(loads)
	slices.SortFunc(sorted, func(a, b *browser.LCP) int { return int(a.Time - b.Time) })
	return sorted[len(sorted)/2]
}

func lcpEvidence(loads []*browser.LCP, med *browser.LCP, failures []string) audit.Evidence {
	var b strings.Builder
	if len(loads) < lcpLoads {
		lo, hi := lcpRange(loads)
		fmt.Fprintf(&b, "LCP %s, element %s: the first two loads are in the same band, and the median of three lies between any two, so a third load could not change it\n",
			span(lo, hi, time.Millisecond), med.Element)
	} else {
		fmt.Fprintf(&b, "median LCP %s, element %s\n", med.Time.Round(time.Millisecond), med.Element)
	}
	for i, l := range loads {
		if l.AtLeast {
			fmt.Fprintf(&b, "load %d: nothing painted within %s, when the load's limit came\n", i+1, l.Time.Round(time.Millisecond))
			continue
		}
		fmt.Fprintf(&b, "load %d: %s (%s)\n", i+1, l.Time.Round(time.Millisecond), l.Element)
	}
	for _, f := range failures {
		fmt.Fprintf(&b, "a load that failed and was tried again: %s\n", f)
	}
	b.WriteString("conditions: " + browser.MobileConditions)
	return audit.Note("mobile LCP of "+med.URL+", cold loads (the first two side by side, any third alone)", b.String())
}

// span is "lo–hi" rounded to unit, or one figure when both round alike.
func span(lo, hi, unit time.Duration) string {
	if lo.Round(unit) == hi.Round(unit) {
		return lo.Round(unit).String()
	}
	return lo.Round(unit).String() + "–" + hi.Round(unit).String()
}

func statusWords(status int) string {
	if status == 0 {
		return "with no document the browser recorded"
	}
	return fmt.Sprintf("%d", status)
}
