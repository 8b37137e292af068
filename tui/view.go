package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/reports"
)

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (m *AuditModel) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "launchready · " + m.opt.Target
	return v
}

// Render is the whole screen as text, at the model's size.
func (m *AuditModel) Render() string {
	header := m.header()
	footer := m.footer()
	bodyHeight := max(3, m.height-lipgloss.Height(header)-lipgloss.Height(footer))
	var body string
	switch m.mode {
	case modeGrid:
		body = m.grid(bodyHeight)
	case modeArea:
		body = m.areaView(bodyHeight)
	case modeCheck:
		body = m.checkView(bodyHeight)
	case modeOps:
		body = m.opsView(bodyHeight)
	case modeAsk:
		body = m.askView()
	case modeAccept:
		if m.accept != nil {
			body = m.accept.View()
		}
	}
	body = lipgloss.NewStyle().Height(bodyHeight).MaxHeight(bodyHeight).Render(body)
	return lipgloss.JoinVertical(lipgloss.Left, header, body, footer)
}

func (m *AuditModel) spinner() string {
	return spinnerFrames[int(m.now.Sub(m.started)/(120*time.Millisecond))%len(spinnerFrames)]
}

func (m *AuditModel) header() string {
	s := m.styles
	elapsed := m.now.Sub(m.started).Round(time.Second)
	finished := 0
	for _, e := range m.opt.Checks {
		if _, ok := m.results[e.ID]; ok && !m.running[e.ID] {
			finished++
		}
	}
	state := fmt.Sprintf("%s %d/%d checks", m.spinner(), finished, len(m.opt.Checks))
	if m.done {
		state = fmt.Sprintf("done, %d checks", len(m.opt.Checks))
	}
	line1 := s.Title.Render("launchready") + " " + s.Header.Render(truncate(m.opt.Target, max(10, m.width/2)))
	line2 := s.Dim.Render(fmt.Sprintf("%s · %s · %d requests sent · %d left of the budget", clock(elapsed), state, m.sent, m.left))
	lines := []string{truncate(line1, m.width), truncate(line2, m.width)}
	if m.done && m.report != nil {
		st := audit.Pass
		if m.report.Count(audit.Fail, audit.SeverityNone) > 0 {
			st = audit.Fail
		} else if m.report.Count(audit.Warn, audit.SeverityNone) > 0 || m.report.Count(audit.Pass, audit.SeverityNone) == 0 {
			st = audit.Warn
		}
		lines = append(lines, s.Status[st].Bold(true).Width(m.width).Render(verdictLine(m.report)))
		if len(m.exported) > 0 {
			lines = append(lines, s.Dim.Width(m.width).Render("Reports: "+strings.Join(m.exported, ", ")))
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func (m *AuditModel) footer() string {
	var lines []string
	if m.message != "" {
		lines = append(lines, m.styles.Message.Width(m.width).Render(m.message))
	}
	if m.mode != modeOps && m.mode != modeAsk && m.mode != modeAccept {
		// bubbles' help can overrun its width by one item when the ellipsis lands on the last column: cut each line.
		for _, l := range strings.Split(m.help.View(m.keys), "\n") {
			lines = append(lines, truncate(l, m.width))
		}
	}
	return strings.Join(lines, "\n")
}

// grid lays the area panels out in as many columns as fit (one at 60 columns: they stack), and scrolls to keep
// the selected panel on screen.
func (m *AuditModel) grid(height int) string {
	areas := m.visibleAreas()
	if len(areas) == 0 {
		return m.styles.Dim.Render("Nothing failed or warned yet. Press f to show every area.")
	}
	cols := m.columns()
	width := (m.width - (cols - 1)) / cols
	var rows []string
	for i := 0; i < len(areas); i += cols {
		var cells []string
		for j := i; j < min(i+cols, len(areas)); j++ {
			cells = append(cells, m.panel(areas[j], width, j == m.area))
			if j < min(i+cols, len(areas))-1 {
				cells = append(cells, " ")
			}
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cells...))
	}
	// Scroll by rows of panels: the selected panel's row and as many before it as fit.
	sel := min(m.area/cols, len(rows)-1)
	heights := make([]int, len(rows))
	for i, r := range rows {
		heights[i] = lipgloss.Height(r) + 1 // and a blank line
	}
	first, used := sel, heights[sel]
	for first > 0 && used+heights[first-1] <= height {
		first--
		used += heights[first]
	}
	end := sel + 1
	for end < len(rows) && used+heights[end] <= height {
		used += heights[end]
		end++
	}
	out := strings.Join(rows[first:end], "\n\n")
	if first > 0 || end < len(rows) {
		out += "\n" + m.styles.Dim.Render(fmt.Sprintf("  rows %d–%d of %d", first+1, end, len(rows)))
	}
	return out
}

// roomy reports whether the terminal has room for the panels' fix lines (from about 120×36); smaller ones show
// the counts only.
func (m *AuditModel) roomy() bool { return m.width >= 120 && m.height >= 36 }

// findingsPerPanel is how many failing or warning checks a roomy panel lists before "+N more".
const findingsPerPanel = 2

// fixLines are a panel's failing and warning checks, most severe first: a mark and the check, then the first step of
// its fix, each trimmed to width.
func (m *AuditModel) fixLines(a audit.Area, width int) []string {
	s := m.styles
	var found []audit.Result
	for _, e := range m.opt.Checks {
		if r, ok := m.results[e.ID]; ok && e.Area == a.ID && !m.running[e.ID] && (r.Status == audit.Fail || r.Status == audit.Warn) {
			r.ID, r.Fix = e.ID, e.Fix
			found = append(found, r)
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		if found[i].Status != found[j].Status {
			return found[i].Status == audit.Fail
		}
		return found[i].Severity > found[j].Severity
	})
	var lines []string
	for i, r := range found {
		if i == findingsPerPanel {
			lines = append(lines, s.Dim.Render(fmt.Sprintf("+%d more", len(found)-i)))
			break
		}
		mark := "✗"
		if r.Status == audit.Warn {
			mark = "!"
		}
		lines = append(lines, s.Status[r.Status].Render(mark)+" "+truncate(r.ID+" · "+r.Severity.String(), width-2))
		if steps := reports.FixSteps(r.Fix); len(steps) > 0 {
			lines = append(lines, s.Dim.Render("  → ")+truncate(steps[0], width-4))
		}
	}
	return lines
}

func (m *AuditModel) panel(a audit.Area, width int, selected bool) string {
	s := m.styles
	st := m.areaStatus(a.ID)
	counts := map[audit.Status]int{}
	running, total := 0, 0
	for _, e := range m.opt.Checks {
		if e.Area != a.ID {
			continue
		}
		total++
		if m.running[e.ID] {
			running++
		} else if r, ok := m.results[e.ID]; ok {
			counts[r.Status]++
		}
	}
	inner := width - 2
	badge := s.badge(st)
	title := a.Title
	if selected {
		title = "▸ " + title
	}
	title = truncate(title, inner-lipgloss.Width(badge)-1)
	line1 := s.Bold.Render(title) + strings.Repeat(" ", max(1, inner-lipgloss.Width(title)-lipgloss.Width(badge))) + badge
	var parts []string
	for _, c := range []struct {
		st    audit.Status
		label string
	}{{audit.Fail, "fail"}, {audit.Warn, "warn"}, {audit.Accepted, "accepted"}, {audit.Pass, "pass"}} {
		if counts[c.st] > 0 {
			parts = append(parts, s.Status[c.st].Render(fmt.Sprintf("%d %s", counts[c.st], c.label)))
		}
	}
	if n := counts[audit.Inconclusive] + counts[audit.Skipped] + counts[audit.Error] + counts[audit.Info]; n > 0 {
		parts = append(parts, s.Dim.Render(fmt.Sprintf("%d other", n)))
	}
	if running > 0 {
		parts = append(parts, s.Dim.Render(fmt.Sprintf("%s %d running", m.spinner(), running)))
	} else if done := total - sum(counts); done > 0 && !m.done {
		parts = append(parts, s.Dim.Render(fmt.Sprintf("%d waiting", done)))
	}
	line2 := truncate(strings.Join(parts, s.Dim.Render(" · ")), inner)
	body := line1 + "\n" + line2
	if m.roomy() {
		if lines := m.fixLines(a, inner); len(lines) > 0 {
			body += "\n" + strings.Join(lines, "\n")
		}
	}
	return s.border(st, selected).Width(width).Render(body)
}

func sum(m map[audit.Status]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// areaView lists the open area's checks, with the selected one's summary below.
func (m *AuditModel) areaView(height int) string {
	s := m.styles
	areas := m.visibleAreas()
	if len(areas) == 0 {
		return ""
	}
	a := areas[min(m.area, len(areas)-1)]
	checks := m.visibleChecks()
	lines := []string{s.Title.Render(a.Title) + "  " + s.badge(m.areaStatus(a.ID)), ""}
	for i, e := range checks {
		st := m.results[e.ID].Status
		badge := s.badge(st)
		if m.running[e.ID] {
			badge = s.Dim.Render(m.spinner() + " running")
		}
		marker := "  "
		if i == m.row {
			marker = s.Label.Render("▸ ")
		}
		text := e.ID + "  " + s.Dim.Render(e.Title)
		lines = append(lines, truncate(marker+padRight(badge, 10)+" "+text, m.width))
	}
	if len(checks) > 0 {
		res, ok := m.results[checks[m.row].ID]
		if ok && res.Summary != "" {
			lines = append(lines, "", s.Dim.Render(strings.Repeat("─", min(m.width, 80))))
			room := max(1, height-len(lines)-1)
			wrapped := strings.Split(lipgloss.NewStyle().Width(min(m.width, 100)).Render(res.Summary), "\n")
			if len(wrapped) > room {
				wrapped = append(wrapped[:room-1], s.Dim.Render("… enter for the whole finding"))
			}
			lines = append(lines, wrapped...)
		}
	}
	return strings.Join(lines, "\n")
}

func (m *AuditModel) checkView(height int) string {
	m.view.SetHeight(max(1, height-1))
	m.view.SetWidth(m.width)
	pct := fmt.Sprintf("%3.0f%%", m.view.ScrollPercent()*100)
	return m.view.View() + "\n" + m.styles.Dim.Render("↑/↓ scroll · esc back · "+pct)
}

func (m *AuditModel) sizeViewport() {
	m.view.SetWidth(m.width)
	m.refreshDetail()
}

// refreshDetail renders the selected check's finding into the viewport.
func (m *AuditModel) refreshDetail() {
	if m.mode != modeCheck {
		return
	}
	checks := m.visibleChecks()
	if len(checks) == 0 {
		m.mode = modeArea
		return
	}
	e := checks[min(m.row, len(checks)-1)]
	m.view.SetContent(m.detail(e))
}

// detail is everything the report says about one check: status, summary, evidence (already redacted by the
// runner), why it matters, the fix and the references.
func (m *AuditModel) detail(e audit.Entry) string {
	s := m.styles
	w := max(20, min(m.width, 110))
	wrap := lipgloss.NewStyle().Width(w)
	res, ok := m.results[e.ID]
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n%s\n\n", s.Title.Render(e.ID), s.badge(res.Status), wrap.Render(e.Title))
	if !ok {
		status := "waiting to run"
		if m.running[e.ID] {
			status = "running…"
		}
		b.WriteString(s.Dim.Render(status) + "\n")
		return b.String()
	}
	if res.Severity > audit.SeverityNone {
		fmt.Fprintf(&b, "%s %s\n", s.Label.Render("Severity"), res.Severity)
	}
	b.WriteString(wrap.Render(res.Summary) + "\n")
	if len(res.Evidence) > 0 {
		b.WriteString("\n" + s.Label.Render("Evidence") + "\n")
		for _, ev := range res.Evidence {
			// The request goes on a line of its own, so that it can be copied whole to reproduce it.
			line, req := "• "+ev.Label, ev.Request
			if ev.Status != 0 {
				req += fmt.Sprintf(" → %d", ev.Status)
			}
			if ev.Request == "" {
				line, req = line+req, ""
			}
			b.WriteString(wrap.Render(line) + "\n")
			if req != "" {
				b.WriteString(wrap.Render("  "+req) + "\n")
			}
			for _, h := range ev.Headers {
				b.WriteString(s.Dim.Render(truncate("    "+h, w)) + "\n")
			}
			if ev.Excerpt != "" {
				for _, l := range strings.Split(ev.Excerpt, "\n") {
					b.WriteString(s.Dim.Render(truncate("    "+l, w)) + "\n")
				}
			}
		}
	}
	why, fix, refs := res.Why, res.Fix, res.Refs
	if why == "" {
		why = audit.Why(e.ID)
	}
	if fix == "" && (res.Status == audit.Fail || res.Status == audit.Warn) {
		fix, refs = e.Fix, e.Refs
	}
	if why != "" && (res.Status == audit.Fail || res.Status == audit.Warn) {
		b.WriteString("\n" + s.Label.Render("Why it matters") + "\n" + wrap.Render(why) + "\n")
	}
	if fix != "" {
		b.WriteString("\n" + s.Label.Render("Fix") + "\n" + wrap.Render(fix) + "\n")
	}
	if len(refs) > 0 {
		b.WriteString("\n" + s.Label.Render("References") + "\n" + wrap.Render(strings.Join(refs, "; ")) + "\n")
	}
	return b.String()
}

func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

func padRight(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s)))
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
