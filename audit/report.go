package audit

import (
	"fmt"
	"strings"
	"time"
)

// Report is a finished audit: what the reports package renders and the JSON file holds.
type Report struct {
	Tool     string        `json:"tool"`
	Version  string        `json:"version"`
	Name     string        `json:"name,omitempty"`
	Target   string        `json:"target"`
	Plan     *Plan         `json:"plan"` // never holds a password: only the names of the variables
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Requests int           `json:"requests_sent"`
	Queries  int           `json:"dns_queries"`
	Refused  []string      `json:"refused_out_of_scope,omitempty"`
	// ThirdParty are the requests the app's pages made to other hosts, as the browser saw them.
	ThirdPartyBlocked []string    `json:"third_party_blocked,omitempty"`
	ThirdPartyAllowed []string    `json:"third_party_allowed,omitempty"`
	Results           []Result    `json:"results"`
	Areas             []AreaScore `json:"scorecard"`
	Baseline          *Baseline   `json:"baseline,omitempty"` // set by CompareWith
}

// AreaScore is one row of the scorecard.
type AreaScore struct {
	ID     string         `json:"id"`
	Title  string         `json:"title"`
	Status Status         `json:"status"`
	Counts map[Status]int `json:"counts"`
}

// Scorecard rolls results up by area, as checks.md says: fail if any failed, warn if any warned, pass if at least
// one passed and none failed or warned, otherwise inconclusive. An area with only info is info; an area whose every
// check was skipped is skipped.
func Scorecard(results []Result) []AreaScore {
	var rows []AreaScore
	for _, a := range Areas {
		row := AreaScore{ID: a.ID, Title: a.Title, Counts: map[Status]int{}}
		n := 0
		for _, r := range results {
			if r.Area == a.ID {
				row.Counts[r.Status]++
				n++
			}
		}
		c := row.Counts
		switch {
		case n == 0:
			continue
		case c[Fail] > 0:
			row.Status = Fail
		case c[Warn] > 0:
			row.Status = Warn
		case c[Pass] > 0:
			row.Status = Pass
		case c[Info] > 0:
			row.Status = Info
		case c[Skipped] == n:
			row.Status = Skipped
		default:
			row.Status = Inconclusive
		}
		rows = append(rows, row)
	}
	return rows
}

// Count returns how many results have status s (and, when sev is above none, at least that severity).
func (r *Report) Count(s Status, sev Severity) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == s && res.Severity >= sev {
			n++
		}
	}
	return n
}

// FailsAtOrAbove reports whether a fail of at least sev exists: the --fail-on rule.
func (r *Report) FailsAtOrAbove(sev Severity) bool { return r.Count(Fail, max(sev, Low)) > 0 }

// Verdict is the one line a founder reads first. It never says ready when nothing was seen. With a baseline it
// ends with what changed since: "; 2 fixed, 1 new since the last audit (...)".
func (r *Report) Verdict() string {
	if r.Baseline != nil {
		return r.verdict() + "; " + r.Baseline.Line()
	}
	return r.verdict()
}

func (r *Report) verdict() string {
	var parts []string
	for _, sev := range []Severity{Critical, High, Medium, Low} {
		n := 0
		for _, res := range r.Results {
			if res.Status == Fail && res.Severity == sev {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	warns, passes := r.Count(Warn, SeverityNone), r.Count(Pass, SeverityNone)
	notDecided := len(r.Results) - passes - warns - r.Count(Info, SeverityNone)
	withWarns := ""
	if warns > 0 {
		withWarns = fmt.Sprintf(", with %d %s", warns, plural(warns, "warning"))
	}
	switch {
	case len(parts) > 0:
		return "Not ready for launch: " + strings.Join(parts, ", ") + " failing" + strings.Replace(withWarns, ", with", ", and", 1)
	case passes == 0:
		return "No verdict: no check could decide; see below why each one could not"
	case notDecided > 0:
		// Never a green light the audit did not earn: say how much is still unexamined.
		return fmt.Sprintf("No failures in the %d checks that decided%s; %d %s not run or undecided, so this is not a full launch verdict",
			passes+warns, withWarns, notDecided, plural(notDecided, "check"))
	default:
		return "Ready" + withWarns
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
