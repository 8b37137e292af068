package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/launchready/launchready/audit"
)

// acceptDraft holds the accept form's answers.
type acceptDraft struct {
	check, reason, until, by string
}

// openAccept opens the form that accepts the open check's finding: a reason, an expiry (30 days by default) and who
// decided. The entry is appended to the accept file and applied at once.
func (m *AuditModel) openAccept() tea.Cmd {
	checks := m.visibleChecks()
	if m.mode != modeCheck || len(checks) == 0 {
		return nil
	}
	id := checks[clamp(m.row, 0, len(checks)-1)].ID
	res, ok := m.results[id]
	if !ok || (res.Status != audit.Fail && res.Status != audit.Warn) {
		m.message = "only a fail or a warn can be accepted"
		return nil
	}
	if m.opt.Accepts == nil {
		m.message = "no accept file for this audit"
		return nil
	}
	d := &acceptDraft{check: id, until: m.now.AddDate(0, 0, 30).Format("2006-01-02")}
	m.accept = huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Why is this risk accepted?").Placeholder("the IDs stay predictable until v2; tracked in #42").
			Value(&d.reason).Validate(func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New("a reason is required")
			}
			return nil
		}),
		huh.NewInput().Title("Until (YYYY-MM-DD): then the finding counts again").Value(&d.until).Validate(func(s string) error {
			t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
			if err != nil {
				return errors.New("a date, YYYY-MM-DD")
			}
			if !t.After(m.now) {
				return errors.New("a date in the future")
			}
			return nil
		}),
		huh.NewInput().Title("Decided by (optional)").Value(&d.by),
	).Title(fmt.Sprintf("Accept %s · written to %s · esc to cancel", id, m.opt.Accepts.Path))).
		WithWidth(min(m.width, 90)).WithShowHelp(true).WithTheme(huh.ThemeFunc(huh.ThemeBase))
	m.acceptDraft = d
	m.mode = modeAccept
	return m.accept.Init()
}

func (m *AuditModel) updateAccept(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && (k.String() == "esc" || k.String() == "ctrl+c") {
		m.mode, m.accept = modeCheck, nil
		m.message = "not accepted"
		return m, nil
	}
	form, cmd := m.accept.Update(msg)
	if f, ok := form.(*huh.Form); ok {
		m.accept = f
	}
	switch m.accept.State {
	case huh.StateCompleted:
		d := m.acceptDraft
		m.mode, m.accept = modeCheck, nil
		entry := audit.Acceptance{Check: d.check, Reason: strings.TrimSpace(d.reason), Until: strings.TrimSpace(d.until), By: strings.TrimSpace(d.by)}
		if err := m.opt.Accepts.Append(entry); err != nil {
			m.message = "could not write the accept file: " + err.Error()
			return m, nil
		}
		m.applyAccepts()
		m.message = fmt.Sprintf("%s accepted until %s (in %s)", d.check, entry.Until, m.opt.Accepts.Path)
		m.refreshDetail()
		return m, nil
	case huh.StateAborted:
		m.mode, m.accept = modeCheck, nil
		return m, nil
	}
	return m, cmd
}

// applyAccepts applies the accept file to every finished result and to the report.
func (m *AuditModel) applyAccepts() {
	if m.opt.Accepts == nil {
		return
	}
	for id, res := range m.results {
		m.opt.Accepts.Apply(&res, m.now)
		m.results[id] = res
	}
	if m.report != nil {
		m.report.Accept(m.opt.Accepts, m.now)
		if m.opt.Exports {
			m.export(false)
		}
	}
}
