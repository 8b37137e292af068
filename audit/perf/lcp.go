package perf

import (
	"context"
	"fmt"
	"time"

	"github.com/launchready/launchready/audit"
)

// Core Web Vitals thresholds for LCP: good up to 2.5 s, poor beyond 4 s.
const (
	lcpGood = 2500 * time.Millisecond
	lcpPoor = 4000 * time.Millisecond
)

// LCPMobile loads the app's first page the way a mid-range phone on a slow network does and reads its Largest
// Contentful Paint.
func LCPMobile(ctx context.Context, t *audit.Target) audit.Result {
	engine, err := t.Browser()
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	lcp, err := engine.MeasureLCP(ctx, t.App.String())
	if err != nil {
		return audit.Undecided("measuring LCP: " + err.Error())
	}
	ev := audit.Note("mobile LCP of "+lcp.URL, fmt.Sprintf("LCP %s, element %s\nconditions: 412x823 phone screen, 150 ms RTT, 1.6 Mbps down, 750 Kbps up, CPU 4x slower (Lighthouse mobile)", lcp.Time.Round(time.Millisecond), lcp.Element))
	switch {
	case lcp.Time > lcpPoor:
		return audit.Failed(0, fmt.Sprintf("mobile LCP is %s (poor: over 4 s): %s", lcp.Time.Round(10*time.Millisecond), lcp.Element), ev)
	case lcp.Time > lcpGood:
		return audit.Warned(audit.Low, fmt.Sprintf("mobile LCP is %s, over the 2.5 s target: %s", lcp.Time.Round(10*time.Millisecond), lcp.Element), ev)
	}
	return audit.Passed(fmt.Sprintf("mobile LCP is %s", lcp.Time.Round(10*time.Millisecond)), ev)
}
