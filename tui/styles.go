package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/launchready/launchready/audit"
)

// Styles is every style the TUI uses, built once for the terminal's background (light or dark). Colour is never
// the only signal: every status is also written out (FAIL, PASS, ...), so NO_COLOR loses nothing.
type Styles struct {
	Header, Dim, Bold, Title, Help, Message, Error lipgloss.Style
	Panel, PanelSelected                           lipgloss.Style
	Row, RowSelected                               lipgloss.Style
	Label                                          lipgloss.Style
	Status                                         map[audit.Status]lipgloss.Style
	statusColor                                    map[audit.Status]color.Color
	Verdict                                        lipgloss.Style
}

// NewStyles builds the styles for a dark or a light background.
func NewStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	red := ld(lipgloss.Color("#C8102E"), lipgloss.Color("#FF5F6D"))
	amber := ld(lipgloss.Color("#9A6700"), lipgloss.Color("#F5B83D"))
	green := ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#4CD080"))
	blue := ld(lipgloss.Color("#0550AE"), lipgloss.Color("#6CB6FF"))
	grey := ld(lipgloss.Color("#6E7781"), lipgloss.Color("#8B949E"))
	fg := ld(lipgloss.Color("#1F2328"), lipgloss.Color("#E6EDF3"))
	accent := ld(lipgloss.Color("#8250DF"), lipgloss.Color("#D2A8FF"))

	s := Styles{
		Header:  lipgloss.NewStyle().Bold(true).Foreground(fg),
		Dim:     lipgloss.NewStyle().Foreground(grey),
		Bold:    lipgloss.NewStyle().Bold(true),
		Title:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		Help:    lipgloss.NewStyle().Foreground(grey),
		Message: lipgloss.NewStyle().Foreground(blue),
		Error:   lipgloss.NewStyle().Foreground(red).Bold(true),
		Label:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		Verdict: lipgloss.NewStyle().Bold(true),
		statusColor: map[audit.Status]color.Color{
			audit.Fail: red, audit.Warn: amber, audit.Pass: green, audit.Info: blue,
			audit.Inconclusive: grey, audit.Skipped: grey, audit.Error: red, audit.Accepted: blue, audit.Incomplete: amber,
		},
	}
	s.Panel = lipgloss.NewStyle().Border(lipgloss.NormalBorder(), false, false, false, true).PaddingLeft(1)
	s.PanelSelected = lipgloss.NewStyle().Border(lipgloss.ThickBorder(), false, false, false, true).PaddingLeft(1)
	s.Row = lipgloss.NewStyle().PaddingLeft(2)
	s.RowSelected = lipgloss.NewStyle().Bold(true).Foreground(accent).SetString("▸ ")
	s.Status = map[audit.Status]lipgloss.Style{}
	for st, c := range s.statusColor {
		s.Status[st] = lipgloss.NewStyle().Foreground(c).Bold(st == audit.Fail || st == audit.Error)
	}
	return s
}

// badge is a status in capitals, coloured: "FAIL", "PASS", "…" while running.
func (s Styles) badge(st audit.Status) string {
	label := map[audit.Status]string{audit.Fail: "FAIL", audit.Warn: "WARN", audit.Pass: "PASS", audit.Info: "INFO",
		audit.Inconclusive: "UNDECIDED", audit.Skipped: "SKIP", audit.Error: "ERROR", audit.Accepted: "ACCEPTED", audit.Incomplete: "INCOMPLETE"}[st]
	if label == "" {
		label = "…"
	}
	return s.Status[st].Render(label)
}

func (s Styles) border(st audit.Status, selected bool) lipgloss.Style {
	base := s.Panel
	if selected {
		base = s.PanelSelected
	}
	if c, ok := s.statusColor[st]; ok {
		return base.BorderForeground(c)
	}
	return base
}
