package main

import (
	"fmt"
	"io"

	"charm.land/lipgloss/v2"

	"github.com/launchready/launchready/audit"
)

var label = map[audit.Status]string{
	audit.Pass: "PASS", audit.Fail: "FAIL", audit.Warn: "WARN", audit.Info: "INFO",
	audit.Inconclusive: "????", audit.Skipped: "SKIP", audit.Error: "ERR!", audit.Accepted: "ACPT",
}

var statusStyle = map[audit.Status]lipgloss.Style{
	audit.Pass:         lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
	audit.Fail:         lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
	audit.Warn:         lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
	audit.Info:         lipgloss.NewStyle().Foreground(lipgloss.Color("4")),
	audit.Inconclusive: lipgloss.NewStyle().Foreground(lipgloss.Color("5")),
	audit.Skipped:      lipgloss.NewStyle().Faint(true),
	audit.Error:        lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Reverse(true),
	audit.Accepted:     lipgloss.NewStyle().Foreground(lipgloss.Color("4")),
}

// printResult prints one line per finished check; the summary is already redacted by the runner.
func printResult(w io.Writer, r audit.Result) {
	sev := ""
	if r.Status == audit.Fail || r.Status == audit.Warn {
		sev = " [" + r.Severity.String() + "]"
	}
	fmt.Fprintf(w, "%s  %-27s %s%s\n", statusStyle[r.Status].Render(label[r.Status]), r.ID, r.Summary, sev)
}
