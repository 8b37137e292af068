package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/launchready/launchready/audit/ledger"
)

// Evidence is one observation that backs a result: a request and what came back, a certificate, a file, a note.
// It is stored already redacted; the TUI and the reports decide how it looks.
type Evidence struct {
	Label   string   `json:"label,omitempty"`   // what this shows, in a few words
	Request string   `json:"request,omitempty"` // "GET https://app.example.com/.env"
	Status  int      `json:"status,omitempty"`  // HTTP status, when there is one
	Headers []string `json:"headers,omitempty"` // the header lines that matter: "Server: nginx/1.18.0"
	Excerpt string   `json:"excerpt,omitempty"` // the part of the body or record that proves it
}

// Result is what one check concluded.
type Result struct {
	ID       string        `json:"id"`
	Area     string        `json:"area"`
	Title    string        `json:"title"`
	Status   Status        `json:"status"`
	Severity Severity      `json:"severity"`
	Summary  string        `json:"summary"`
	Evidence []Evidence    `json:"evidence"`
	Why      string        `json:"why,omitempty"` // why it matters, one sentence (fails and warns)
	Fix      string        `json:"fix,omitempty"`
	Refs     []string      `json:"references,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Sent is what this check sent to the app itself; work it shares with other checks is in the report's Shared.
	Sent ledger.Counts `json:"sent"`
	// Change is how the result compares with a baseline report (--baseline): new, fixed, still failing, ...
	Change Change `json:"change,omitempty"`
	// Accepted is set when an accept file's entry accepted this fail or warn (Status is then Accepted).
	Accepted *AcceptedBy `json:"accepted,omitempty"`
}

// Phase orders checks whose results depend on others. In the order they run: the main checks and the account flows
// side by side, the ending of sessions beside the flows, the measurements alone as soon as nothing else works, the
// judge, the bursts, the ending of a saved session (see Runner.Run).
type Phase int

const (
	PhaseMain  Phase = iota // most checks, concurrently
	PhaseJudge              // judge what the other checks saw (every error response, ...): after the flows and the measurements, before the bursts
	PhaseFlows              // the account flows, beside the main checks: they make accounts of their own, act in A's session once its walk is recorded, and send their failed logins in bursts only once the main checks are over (AfterMain)
	PhaseEnd                // end sessions (logout), read the flows' mail: beside the flows, once no check needs those sessions (see Runner.flowsAndEnd)
	PhaseBurst              // bounded bursts (rate limits): they may lock an account or an IP out, so they come last
	PhaseQuiet              // measurements (latency, LCP): one browser and one HTTP measurement at a time, with nothing else at work — they start once every check before them is over or resting (see quietGate)
	PhaseLast               // a check that ends the one session an account has (a saved one): after everything that needs it
)

// Name is how reports name the phase.
func (p Phase) Name() string {
	switch p {
	case PhaseMain:
		return "main checks"
	case PhaseJudge:
		return "judging what the checks saw"
	case PhaseFlows:
		return "account flows"
	case PhaseEnd:
		return "ending sessions, reading mail"
	case PhaseBurst:
		return "bursts"
	case PhaseQuiet:
		return "measurements"
	case PhaseLast:
		return "ending a saved session"
	}
	return fmt.Sprintf("phase %d", int(p))
}

// Check is a catalog entry with the function that runs it.
type Check struct {
	Entry
	Phase Phase
	Run   func(ctx context.Context, t *Target) Result
	// Sessions marks an account flow that acts in the accounts' own sessions (A's, B's): a check that ends a session
	// waits for it before it does (BeforeEndingSession), not for every flow.
	Sessions bool
	// EndsSession marks a check that ends a session: when no account can make a new one (both bring a saved
	// session), it ends the shared one, so it runs in PhaseLast.
	EndsSession bool
	// Browser marks a measurement the browser takes (LCP), which times this machine's own work: in PhaseQuiet it
	// runs beside the HTTP measurements, which time the app's answers and leave the machine's cores idle while they
	// wait, but never beside another browser measurement (an LCP check makes its own loads two at a time at most).
	Browser bool
}

// phaseOn is the phase c runs in on t.
func (c Check) phaseOn(t *Target) Phase {
	if c.EndsSession && t.SeenLogin() == "" {
		return PhaseLast
	}
	return c.Phase
}

// Passed, Failed, Warned, Informed, Undecided and NotRun build results; the Runner fills in ID, area, title,
// the fix and the references from the catalog. A zero severity on a fail or warn takes the catalog's.
func Passed(summary string, ev ...Evidence) Result {
	return Result{Status: Pass, Summary: summary, Evidence: ev}
}

func Failed(sev Severity, summary string, ev ...Evidence) Result {
	return Result{Status: Fail, Severity: sev, Summary: summary, Evidence: ev}
}

func Warned(sev Severity, summary string, ev ...Evidence) Result {
	return Result{Status: Warn, Severity: sev, Summary: summary, Evidence: ev}
}

func Informed(summary string, ev ...Evidence) Result {
	return Result{Status: Info, Summary: summary, Evidence: ev}
}

// Undecided is an inconclusive result: why says what stopped the check from deciding.
func Undecided(why string, ev ...Evidence) Result {
	return Result{Status: Inconclusive, Summary: why, Evidence: ev}
}

// NotRun is a skipped result: why says what would enable the check.
func NotRun(why string) Result { return Result{Status: Skipped, Summary: why} }

// rank orders statuses when several parts of one check are combined: what needs attention first. A part that could
// not be decided outranks a pass: a check passes only when every part it looked at passed.
var rank = map[Status]int{Fail: 8, Warn: 7, Accepted: 6, Error: 5, Inconclusive: 4, Pass: 3, Info: 2, Skipped: 1}

// Combine merges the parts of a check that looked at several things (endpoints, headers, files) into one result:
// the most pressing status wins (a fail or warn over an undecided part, an undecided part over a pass), its
// highest severity is kept, every part's evidence is kept, and the summary leads with the parts that decided the
// status.
func Combine(parts ...Result) Result {
	if len(parts) == 0 {
		return Undecided("nothing was examined")
	}
	out := Result{Status: Skipped}
	for _, p := range parts {
		if rank[p.Status] > rank[out.Status] {
			out.Status = p.Status
		}
	}
	var lead, rest []string
	for _, p := range parts {
		out.Evidence = append(out.Evidence, p.Evidence...)
		if p.Status == out.Status {
			out.Severity = max(out.Severity, p.Severity)
			lead = appendUnique(lead, p.Summary)
		} else if p.Status != Pass && p.Status != Skipped {
			rest = appendUnique(rest, p.Summary)
		}
	}
	out.Summary = strings.Join(append(lead, rest...), "; ")
	return out
}

func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}
