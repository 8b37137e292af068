package tui

import (
	"errors"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/launchready/launchready/audit"
)

// opsDraft holds the answers while the side form edits them.
type opsDraft struct {
	monitoring, rollback, secrets, backups string
	mfa                                    []string
}

// openOps opens the ops questions beside the running audit: the user's waiting time is used for what only people
// can answer. The answers are recorded as self-reported.
func (m *AuditModel) openOps() tea.Cmd {
	if len(m.opsIDs()) == 0 {
		m.message = "the ops questions are skipped by this plan"
		return nil
	}
	var cur audit.Ops
	if m.answer != nil {
		cur = *m.answer
	} else if m.opt.Plan != nil {
		cur = m.opt.Plan.Ops
	}
	d := &opsDraft{monitoring: cur.Monitoring, secrets: cur.SecretsSeparation, backups: cur.Backups, mfa: cur.MFA}
	if cur.RollbackMinutes > 0 {
		d.rollback = strconv.Itoa(cur.RollbackMinutes)
	}
	var opts []huh.Option[string]
	for _, p := range audit.MFAPlaces {
		opts = append(opts, huh.NewOption(p, p))
	}
	m.ops = huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Monitoring: who gets alerted within 5 minutes when the API, login or email breaks?").
			Placeholder("Better Stack on /healthz, Sentry, pages Sam").Value(&d.monitoring),
		huh.NewInput().Title("How many minutes does a rollback take?").Placeholder("5").Value(&d.rollback).
			Validate(func(s string) error {
				if s == "" {
					return nil
				}
				if n, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || n < 0 {
					return errors.New("a number of minutes")
				}
				return nil
			}),
		huh.NewMultiSelect[string]().Title("MFA is on for").Options(opts...).Value(&d.mfa),
		huh.NewInput().Title("Are staging and production secrets separate, leaked keys rotated?").Value(&d.secrets),
		huh.NewInput().Title("Backups, and when was a restore last tested?").Value(&d.backups),
	).Title("Ops questions (self-reported) · esc to close")).
		WithWidth(min(m.width, 90)).WithShowHelp(true).WithTheme(huh.ThemeFunc(huh.ThemeBase))
	m.opsDraft = d
	m.mode = modeOps
	return m.ops.Init()
}

func (m *AuditModel) updateOps(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && (k.String() == "esc" || k.String() == "ctrl+c") {
		m.mode, m.ops = modeGrid, nil
		m.message = "ops questions closed; answers not changed"
		return m, nil
	}
	form, cmd := m.ops.Update(msg)
	if f, ok := form.(*huh.Form); ok {
		m.ops = f
	}
	switch m.ops.State {
	case huh.StateCompleted:
		d := m.opsDraft
		n, _ := strconv.Atoi(strings.TrimSpace(d.rollback))
		m.answer = &audit.Ops{Monitoring: strings.TrimSpace(d.monitoring), RollbackMinutes: n, MFA: d.mfa,
			SecretsSeparation: strings.TrimSpace(d.secrets), Backups: strings.TrimSpace(d.backups)}
		m.mode, m.ops = modeGrid, nil
		if m.done {
			m.startRerun(m.opsIDs(), true)
		} else {
			m.message = "answers recorded: the ops checks take them when the audit finishes"
		}
		return m, nil
	case huh.StateAborted:
		m.mode, m.ops = modeGrid, nil
		return m, nil
	}
	return m, cmd
}

func (m *AuditModel) opsView(height int) string {
	if m.ops == nil {
		return ""
	}
	return m.ops.View()
}
