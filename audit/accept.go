package audit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Acceptance is a decision to live with one finding for a while: which check (and, with Match, which of its
// findings), why, until when, and who decided. An accept file is a YAML list of them.
type Acceptance struct {
	Check  string `yaml:"check" json:"check"`
	Match  string `yaml:"match,omitempty" json:"match,omitempty"`
	Reason string `yaml:"reason" json:"reason"`
	Until  string `yaml:"until" json:"until"` // YYYY-MM-DD: the acceptance holds through that day
	By     string `yaml:"by,omitempty" json:"by,omitempty"`
	Line   int    `yaml:"-" json:"line,omitempty"` // where it is in the file, for messages
}

// AcceptedBy is what an accepted result carries: the decision, and the status it had.
type AcceptedBy struct {
	Reason string `json:"reason"`
	Until  string `json:"until"`
	By     string `json:"by,omitempty"`
	Was    Status `json:"was"` // fail or warn
}

// AcceptFile is an accept file as read: its path and its entries.
type AcceptFile struct {
	Path    string
	Entries []Acceptance
}

// dateLayout is how an acceptance's until is written.
const dateLayout = "2006-01-02"

// expires is the moment an acceptance stops holding: the end of its until day, UTC.
func (a Acceptance) expires() time.Time {
	d, _ := time.Parse(dateLayout, a.Until)
	return d.AddDate(0, 0, 1)
}

// matches reports whether the entry is about r: the same check and, when Match is set, that text in the result's
// summary or evidence.
func (a Acceptance) matches(r Result) bool {
	if a.Check != r.ID {
		return false
	}
	if a.Match == "" {
		return true
	}
	if strings.Contains(r.Summary, a.Match) {
		return true
	}
	for _, ev := range r.Evidence {
		if strings.Contains(ev.Label+" "+ev.Request+" "+ev.Excerpt+" "+strings.Join(ev.Headers, " "), a.Match) {
			return true
		}
	}
	return false
}

// ReadAcceptFile reads and validates an accept file. Every mistake is reported with its line: an unknown check,
// a missing reason or until, a date that is not YYYY-MM-DD, an unknown key. A file that does not exist yet is an
// empty one (the TUI creates it on the first acceptance).
func ReadAcceptFile(path string) (*AcceptFile, error) {
	f := &AcceptFile{Path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	entries, err := ParseAccept(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Entries = entries
	return f, nil
}

// ParseAccept parses an accept file's YAML: a list of entries, or a map with the list under "accept".
func ParseAccept(data []byte) ([]Acceptance, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %v", err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	list := doc.Content[0]
	if list.Kind == yaml.MappingNode {
		var found *yaml.Node
		for i := 0; i+1 < len(list.Content); i += 2 {
			if list.Content[i].Value == "accept" {
				found = list.Content[i+1]
			} else {
				return nil, fmt.Errorf("line %d: unknown key %q (the file is a list of entries, or accept: followed by one)", list.Content[i].Line, list.Content[i].Value)
			}
		}
		if found == nil {
			return nil, nil
		}
		list = found
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: want a list of entries (- check: …, reason: …, until: YYYY-MM-DD)", list.Line)
	}
	var out []Acceptance
	var errs []string
	for _, n := range list.Content {
		var a Acceptance
		if n.Kind != yaml.MappingNode {
			errs = append(errs, fmt.Sprintf("line %d: an entry is a map with check, reason and until", n.Line))
			continue
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch k := n.Content[i].Value; k {
			case "check", "match", "reason", "until", "by":
			default:
				errs = append(errs, fmt.Sprintf("line %d: unknown key %q (allowed: check, match, reason, until, by)", n.Content[i].Line, k))
			}
		}
		if err := n.Decode(&a); err != nil {
			errs = append(errs, fmt.Sprintf("line %d: %v", n.Line, err))
			continue
		}
		a.Line = n.Line
		errs = append(errs, a.problems()...)
		out = append(out, a)
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return out, nil
}

// problems are what is wrong with one entry, each with its line.
func (a Acceptance) problems() []string {
	var out []string
	at := fmt.Sprintf("line %d", a.Line)
	switch {
	case a.Check == "":
		out = append(out, at+": check is required (a catalog ID such as secrets.client-bundle)")
	case !knownCheck(a.Check):
		out = append(out, fmt.Sprintf("%s: %q is not a check of the catalog (launchready plan schema lists them)", at, a.Check))
	}
	if strings.TrimSpace(a.Reason) == "" {
		out = append(out, at+": reason is required: say why this risk is accepted")
	}
	if a.Until == "" {
		out = append(out, at+": until is required (YYYY-MM-DD): an acceptance must expire")
	} else if _, err := time.Parse(dateLayout, a.Until); err != nil {
		out = append(out, fmt.Sprintf("%s: until %q is not a date (YYYY-MM-DD)", at, a.Until))
	}
	return out
}

func knownCheck(id string) bool {
	for _, e := range Catalog {
		if e.ID == id {
			return true
		}
	}
	return false
}

// Apply marks the result accepted when an unexpired entry matches a fail or warn, or notes in its summary that
// the acceptance expired. It returns the index of the entry that matched (-1 when none did).
func (f *AcceptFile) Apply(r *Result, now time.Time) int {
	if f == nil || (r.Status != Fail && r.Status != Warn) {
		return -1
	}
	expired := -1
	for i, a := range f.Entries {
		if !a.matches(*r) {
			continue
		}
		if now.Before(a.expires()) {
			r.Accepted = &AcceptedBy{Reason: a.Reason, Until: a.Until, By: a.By, Was: r.Status}
			r.Status = Accepted
			return i
		}
		expired = i
	}
	if expired >= 0 {
		if note := fmt.Sprintf(" (acceptance expired on %s)", f.Entries[expired].Until); !strings.HasSuffix(r.Summary, note) {
			r.Summary += note
		}
	}
	return expired
}

// Accept applies the accept file to every result, rolls the scorecard up again, and lists the entries that matched
// nothing as stale.
func (r *Report) Accept(f *AcceptFile, now time.Time) {
	if f == nil {
		return
	}
	used := map[int]bool{}
	for i := range r.Results {
		if k := f.Apply(&r.Results[i], now); k >= 0 {
			used[k] = true
		}
		if res := r.Results[i]; res.Status == Accepted { // accepted already (live, in the TUI): its entry is in use
			for k, a := range f.Entries {
				if a.matches(res) && res.Accepted != nil && res.Accepted.Reason == a.Reason {
					used[k] = true
				}
			}
		}
	}
	r.AcceptFile = f.Path
	r.Stale = nil
	for i, a := range f.Entries {
		if !used[i] {
			r.Stale = append(r.Stale, a)
		}
	}
	r.Areas = Scorecard(r.Results)
}

// AcceptedRisks lists the accepted results.
func (r *Report) AcceptedRisks() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Status == Accepted {
			out = append(out, res)
		}
	}
	return out
}

// Append adds an entry to the accept file on disk (created 0600 when new) and to f.
func (f *AcceptFile) Append(a Acceptance) error {
	a.Line = 0
	if problems := a.problems(); len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	var b bytes.Buffer
	old, err := os.ReadFile(f.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		b.WriteString("# launchready accepted risks: each entry holds until its date, then the finding counts again.\n")
	case err != nil:
		return err
	default:
		b.Write(old)
		if len(old) > 0 && old[len(old)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	entry, err := yaml.Marshal([]Acceptance{a})
	if err != nil {
		return err
	}
	b.Write(entry)
	if dir := filepath.Dir(f.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	if err := os.WriteFile(f.Path, b.Bytes(), 0o600); err != nil {
		return err
	}
	f.Entries = append(f.Entries, a)
	return nil
}
