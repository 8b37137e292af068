package audit

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Status is the outcome of one check, as the catalog defines it.
type Status string

const (
	Pass         Status = "pass"         // ran and saw the good behaviour, with evidence
	Fail         Status = "fail"         // ran and saw the bad behaviour, with evidence
	Warn         Status = "warn"         // ran; not a blocker, worth fixing before launch
	Info         Status = "info"         // ran; worth knowing, no verdict
	Inconclusive Status = "inconclusive" // tried and could not decide; always says why
	Skipped      Status = "skipped"      // not configured or not applicable; says what would enable it
	Error        Status = "error"        // the check itself broke; says what broke
	// Accepted is a fail or warn the team decided to live with for a while (an accept file's entry): never a pass.
	Accepted Status = "accepted"
	// Incomplete is an area's roll-up only: some of its checks decided and none failed, but others did not decide.
	Incomplete Status = "incomplete"
)

// Statuses lists every status a check's result may have, in the order reports show them.
var Statuses = []Status{Fail, Warn, Accepted, Pass, Info, Inconclusive, Skipped, Error}

// Valid reports whether s is one of the catalog's statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Severity ranks a fail or warn. The zero value means "none" (pass, info, ...).
type Severity int

const (
	SeverityNone Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = []string{"none", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name as used by --fail-on and the JSON report.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(strings.TrimSpace(name), n) {
			return Severity(i), nil
		}
	}
	return SeverityNone, fmt.Errorf("unknown severity %q: use one of low, medium, high, critical", name)
}

func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	v, err := ParseSeverity(name)
	if err != nil {
		return err
	}
	*s = v
	return nil
}
