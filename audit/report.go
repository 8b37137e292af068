package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/launchready/launchready/audit/ledger"
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
	Requests int           `json:"requests_sent"` // over HTTP, by the audit itself
	// BrowserRequests are the requests the browser the audit drives sent to the app's hosts.
	BrowserRequests int `json:"browser_requests_sent"`
	// Phases say where the time went, phase by phase, in the order they ran.
	Phases []PhaseTime `json:"phases"`
	// Shared is what work several checks share sent (a flow, a login and walk), by its name.
	Shared  map[string]ledger.Counts `json:"shared_work_sent"`
	Queries int                      `json:"dns_queries"`
	Refused []string                 `json:"refused_out_of_scope,omitempty"`
	// ThirdParty are the requests the app's pages made to other hosts, as the browser saw them.
	ThirdPartyBlocked []string `json:"third_party_blocked,omitempty"`
	ThirdPartyAllowed []string `json:"third_party_allowed,omitempty"`
	// SignIn says how accounts signed in when they typed no password (a saved session, by hand, a link by mail).
	SignIn []string `json:"sign_in,omitempty"`
	// AuthPages are the pages of the plan's auth_hosts the browser went through to log in: outside the audit's
	// scope, never tested.
	AuthPages []string `json:"auth_pages,omitempty"`
	// Stalled says what held a wait on a page to its limit (a request that never ended, or kept coming), and how
	// many times: seconds of the audit each.
	Stalled  []string    `json:"stalled_waits,omitempty"`
	Results  []Result    `json:"results"`
	Areas    []AreaScore `json:"scorecard"`
	Baseline *Baseline   `json:"baseline,omitempty"` // set by CompareWith
	// AcceptFile is the accept file applied (Accept); Stale its entries that matched no result.
	AcceptFile string       `json:"accept_file,omitempty"`
	Stale      []Acceptance `json:"accept_stale,omitempty"`
}

// PhaseTime is how long one phase of the audit took, how many checks ran in it, and what they sent (with the shared
// work they started). Beside names the phase it ran beside, when it did (its time then overlaps that one's); While
// names a phase whose checks were all resting or waiting meanwhile (the measurements, during the login timing's
// pause between two bursts).
type PhaseTime struct {
	Phase    string        `json:"phase"`
	Duration time.Duration `json:"duration_ns"`
	Checks   int           `json:"checks"`
	Sent     ledger.Counts `json:"sent"`
	Beside   string        `json:"beside,omitempty"`
	While    string        `json:"while_resting,omitempty"`
}

// Name is the phase's name, with the phase it ran beside or while.
func (pt PhaseTime) Name() string {
	switch {
	case pt.Beside != "":
		return pt.Phase + " (beside the " + pt.Beside + ")"
	case pt.While != "":
		return pt.Phase + " (alone, while the " + pt.While + " rested)"
	}
	return pt.Phase
}

// AreaScore is one row of the scorecard.
type AreaScore struct {
	ID     string         `json:"id"`
	Title  string         `json:"title"`
	Status Status         `json:"status"`
	Counts map[Status]int `json:"counts"`
	// Undecided says, for an incomplete or inconclusive area, why its checks did not decide: "3 skipped (no inbox…)".
	Undecided string `json:"undecided,omitempty"`
}

// Scorecard rolls results up by area: fail if any failed, warn if any warned, accepted if the rest passed but some
// finding is accepted; pass only when every check of the area decided (passed or informed) — never a green light
// for an area whose checks mostly did not run. Some decided and some not: incomplete, with the count and reasons
// of what was not decided. None decided: inconclusive; every check skipped: skipped.
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
		undecided := c[Inconclusive] + c[Skipped] + c[Error]
		switch {
		case n == 0:
			continue
		case c[Fail] > 0:
			row.Status = Fail
		case c[Warn] > 0:
			row.Status = Warn
		case c[Accepted] > 0:
			row.Status = Accepted
		case c[Skipped] == n:
			row.Status = Skipped
		case undecided == n:
			row.Status = Inconclusive
		case undecided > 0:
			row.Status = Incomplete
		case c[Pass] > 0:
			row.Status = Pass
		default:
			row.Status = Info
		}
		if undecided > 0 && row.Status != Skipped {
			row.Undecided = undecidedWhy(results, a.ID)
		}
		rows = append(rows, row)
	}
	return rows
}

// undecidedWhy sums up why an area's checks did not decide: "2 skipped (no inbox in the plan…), 1 inconclusive".
func undecidedWhy(results []Result, area string) string {
	var parts []string
	for _, st := range []Status{Skipped, Inconclusive, Error} {
		n, first := 0, ""
		for _, r := range results {
			if r.Area == area && r.Status == st {
				if n++; first == "" {
					first = r.Summary
				}
			}
		}
		if n == 0 {
			continue
		}
		if len(first) > 90 {
			first = first[:90] + "…"
		}
		parts = append(parts, fmt.Sprintf("%d %s (%s)", n, st, first))
	}
	return strings.Join(parts, ", ")
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
	v := r.verdict()
	if n := r.Count(Accepted, SeverityNone); n > 0 {
		// An accepted risk is never a pass: the verdict always says how many there are.
		v += fmt.Sprintf("; and %d accepted %s", n, plural(n, "risk"))
	}
	if r.Baseline != nil {
		v += "; " + r.Baseline.Line()
	}
	return v
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
	warns, passes, accepted := r.Count(Warn, SeverityNone), r.Count(Pass, SeverityNone), r.Count(Accepted, SeverityNone)
	notDecided := len(r.Results) - passes - warns - accepted - r.Count(Info, SeverityNone)
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
