package audit

import (
	"fmt"
	"strings"
)

// Change is how one result compares with the same check in a baseline report.
type Change string

const (
	ChangeNew       Change = "new"           // fails or warns now, did not before
	ChangeFixed     Change = "fixed"         // failed or warned before, passes now
	ChangeStill     Change = "still failing" // failed or warned before and still does
	ChangeUnchecked Change = "not rechecked" // failed or warned before, could not be decided now
)

// Baseline summarises a comparison with an earlier report of the same app.
type Baseline struct {
	File    string `json:"file"`
	Started string `json:"started"` // when the baseline audit ran
	Fixed   int    `json:"fixed"`
	New     int    `json:"new"`
	Still   int    `json:"still_failing"`
}

func finding(s Status) bool { return s == Fail || s == Warn }

// CompareWith marks every result of r against old (the same check by ID) and records the totals in r.Baseline.
// A check that failed before and is inconclusive now is "not rechecked", never "fixed": a fix is only a pass seen.
func (r *Report) CompareWith(old *Report, file string) {
	before := map[string]Result{}
	for _, res := range old.Results {
		before[res.ID] = res
	}
	b := &Baseline{File: file, Started: old.Started.UTC().Format("2006-01-02 15:04 MST")}
	for i := range r.Results {
		now := &r.Results[i]
		prev, seen := before[now.ID]
		was := seen && (finding(prev.Status) || prev.Status == Accepted)
		switch {
		case now.Status == Accepted:
			now.Change = "" // an accepted risk is neither new nor fixed
		case finding(now.Status) && was:
			now.Change = ChangeStill
			b.Still++
		case finding(now.Status):
			now.Change = ChangeNew
			b.New++
		case was && now.Status == Pass:
			now.Change = ChangeFixed
			b.Fixed++
		case was:
			now.Change = ChangeUnchecked
		default:
			now.Change = ""
		}
	}
	r.Baseline = b
}

// Line is the verdict's addition: "2 fixed, 1 new since the last audit (2026-11-20 09:00 UTC)".
func (b *Baseline) Line() string {
	var parts []string
	if b.Fixed > 0 {
		parts = append(parts, fmt.Sprintf("%d fixed", b.Fixed))
	}
	if b.New > 0 {
		parts = append(parts, fmt.Sprintf("%d new", b.New))
	}
	if b.Still > 0 {
		parts = append(parts, fmt.Sprintf("%d still failing", b.Still))
	}
	if len(parts) == 0 {
		return "no change since the last audit (" + b.Started + ")"
	}
	return strings.Join(parts, ", ") + " since the last audit (" + b.Started + ")"
}

// NewFailsAtOrAbove reports whether a new fail of at least sev exists: --fail-on with --fail-on-new.
func (r *Report) NewFailsAtOrAbove(sev Severity) bool {
	for _, res := range r.Results {
		if res.Status == Fail && res.Severity >= max(sev, Low) && res.Change == ChangeNew {
			return true
		}
	}
	return false
}
