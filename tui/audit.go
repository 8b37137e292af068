package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/reports"
)

// Messages the audit view takes from the runner (sent with Program.Send) and from its own commands.
type (
	// EventMsg is one runner event: a check started or finished.
	EventMsg audit.Event
	// DoneMsg ends the audit: the runner's report, complete or, after a quit, partial.
	DoneMsg struct{ Report *audit.Report }
	// RerunDoneMsg ends a re-run of some checks (r, or answers to the ops questions).
	RerunDoneMsg struct {
		Results []audit.Result
		Sent    int
	}
	tickMsg time.Time
)

// Options connect the audit view to the runner that cmd/launchready drives. Every function may be nil.
type Options struct {
	Target  string        // the app's URL, for the header
	Checks  []audit.Entry // the checks this audit runs, in catalog order
	Budget  int           // requests the audit may send
	Plan    *audit.Plan   // pre-fills the ops questions
	Cancel  func()        // stops the audit: q mid-audit
	Export  func(*audit.Report) ([]string, error)
	Rerun   func(ids []string, plan *audit.Plan) // re-runs checks; answers come as EventMsg and one RerunDoneMsg
	Now     func() time.Time                     // the clock (tests fix it)
	Dark    bool                                 // the terminal's background, until it answers
	Exports bool                                 // export as soon as the audit is done (output flags were given)
	// Accepts are the accepted risks, applied as results come in; a in a check's view appends to them.
	Accepts *audit.AcceptFile
}

type mode int

const (
	modeGrid mode = iota
	modeArea
	modeCheck
	modeOps
	modeAsk
	modeAccept
)

// AuditModel is the live scorecard and everything opened from it.
type AuditModel struct {
	opt         Options
	keys        KeyMap
	styles      Styles
	help        help.Model
	view        viewport.Model
	ops         *huh.Form
	answer      *audit.Ops
	opsDraft    *opsDraft
	asking      *ask
	accept      *huh.Form
	acceptDraft *acceptDraft

	width, height int
	started, now  time.Time
	sent, left    int

	results  map[string]audit.Result
	running  map[string]bool
	areas    []audit.Area // the areas that have checks in this audit
	report   *audit.Report
	done     bool
	quitting bool
	rerun    bool
	message  string
	exported []string

	mode      mode
	area, row int
	failsOnly bool
}

// NewAuditModel starts the view of an audit that is about to run.
func NewAuditModel(opt Options) *AuditModel {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := &AuditModel{opt: opt, keys: DefaultKeyMap(), styles: NewStyles(opt.Dark), help: help.New(),
		results: map[string]audit.Result{}, running: map[string]bool{}, width: 80, height: 24, left: opt.Budget}
	m.help.Styles = help.DefaultStyles(opt.Dark)
	m.started, m.now = opt.Now(), opt.Now()
	for _, a := range audit.Areas {
		for _, e := range opt.Checks {
			if e.Area == a.ID {
				m.areas = append(m.areas, a)
				break
			}
		}
	}
	m.view = viewport.New()
	return m
}

func (m *AuditModel) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.tick())
}

func (m *AuditModel) tick() tea.Cmd {
	return tea.Tick(120*time.Millisecond, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Report is the audit's report as it stands: the runner's, with re-runs and ops answers merged in. It is nil
// until the runner has finished.
func (m *AuditModel) Report() *audit.Report { return m.report }

// Finished reports whether the audit ran to its end (not stopped with q).
func (m *AuditModel) Finished() bool { return m.done && !m.quitting }

// Exported lists the files the view wrote.
func (m *AuditModel) Exported() []string { return m.exported }

func (m *AuditModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.sizeViewport()
		if m.ops != nil {
			m.ops = m.ops.WithWidth(min(msg.Width, 90))
		}
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
	case tickMsg:
		m.now = m.opt.Now()
		if m.done && !m.rerun {
			return m, nil
		}
		return m, m.tick()
	case EventMsg:
		if !m.done { // a re-run counts on its own target; its total is added when it ends
			m.sent, m.left = msg.Sent, msg.Budget
		}
		switch msg.Kind {
		case audit.CheckStarted:
			m.running[msg.Entry.ID] = true
		case audit.CheckFinished:
			delete(m.running, msg.Entry.ID)
			res := msg.Result
			m.opt.Accepts.Apply(&res, m.opt.Now())
			m.results[msg.Entry.ID] = res
		}
		m.refreshDetail()
	case DoneMsg:
		return m.finish(msg.Report)
	case RerunDoneMsg:
		m.rerun = false
		m.merge(msg.Results, msg.Sent)
		m.message = fmt.Sprintf("re-ran %d %s", len(msg.Results), plural(len(msg.Results), "check"))
		m.refreshDetail()
	case AskMsg:
		return m, m.onAsk(msg)
	case tea.KeyPressMsg:
		switch m.mode {
		case modeOps:
			return m.updateOps(msg)
		case modeAsk:
			return m.updateAsk(msg)
		case modeAccept:
			return m.updateAccept(msg)
		}
		return m.keypress(msg)
	}
	switch m.mode {
	case modeOps:
		return m.updateOps(msg)
	case modeAsk:
		return m.updateAsk(msg)
	case modeAccept:
		return m.updateAccept(msg)
	}
	return m, nil
}

func (m *AuditModel) finish(r *audit.Report) (tea.Model, tea.Cmd) {
	m.done, m.report, m.now = true, r, m.opt.Now()
	m.running = map[string]bool{}
	r.Accept(m.opt.Accepts, m.now)
	for _, res := range r.Results {
		m.results[res.ID] = res
	}
	if m.answer != nil { // ops answered during the audit: their checks run again with the answers
		m.startRerun(m.opsIDs(), true)
	}
	if m.quitting {
		return m, tea.Quit
	}
	if m.opt.Exports && m.answer == nil {
		m.export(false)
	}
	m.refreshDetail()
	return m, nil
}

// merge puts re-run results into the report and recomputes the scorecard.
func (m *AuditModel) merge(results []audit.Result, sent int) {
	for _, res := range results {
		m.results[res.ID] = res
	}
	if m.report == nil {
		return
	}
	for i, res := range m.report.Results {
		if nr, ok := m.results[res.ID]; ok {
			m.report.Results[i] = nr
		}
	}
	m.report.Requests += sent
	m.sent += sent
	if m.answer != nil {
		m.report.Plan.Ops = *m.answer
	}
	m.report.Areas = audit.Scorecard(m.report.Results)
	m.report.Accept(m.opt.Accepts, m.now)
	if m.opt.Exports {
		m.export(false)
	}
}

func (m *AuditModel) keypress(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		if m.done {
			return m, tea.Quit
		}
		if !m.quitting && m.opt.Cancel != nil {
			m.quitting = true
			m.message = "stopping: closing the browser and keeping what finished…"
			m.opt.Cancel()
		}
		return m, nil
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.sizeViewport()
	case key.Matches(msg, k.Filter):
		m.failsOnly = !m.failsOnly
		m.area, m.row = 0, 0
		if m.mode == modeCheck {
			m.mode = modeArea
		}
	case key.Matches(msg, k.Export):
		m.export(true)
	case key.Matches(msg, k.Ops):
		return m, m.openOps()
	case key.Matches(msg, k.Rerun):
		m.rerunSelected()
	case key.Matches(msg, k.Accept) && m.mode == modeCheck:
		return m, m.openAccept()
	case key.Matches(msg, k.Back):
		if m.mode > modeGrid {
			m.mode--
		}
	case key.Matches(msg, k.Open):
		switch m.mode {
		case modeGrid:
			if len(m.visibleAreas()) > 0 {
				m.mode, m.row = modeArea, 0
			}
		case modeArea:
			if len(m.visibleChecks()) > 0 {
				m.mode = modeCheck
				m.refreshDetail()
				m.view.GotoTop()
			}
		}
	default:
		m.move(msg)
	}
	return m, nil
}

func (m *AuditModel) move(msg tea.KeyPressMsg) {
	k := m.keys
	switch m.mode {
	case modeGrid:
		n, cols := len(m.visibleAreas()), m.columns()
		switch {
		case key.Matches(msg, k.Left):
			m.area--
		case key.Matches(msg, k.Right):
			m.area++
		case key.Matches(msg, k.Up):
			m.area -= cols
		case key.Matches(msg, k.Down):
			m.area += cols
		}
		m.area = clamp(m.area, 0, n-1)
	case modeArea:
		switch {
		case key.Matches(msg, k.Up):
			m.row--
		case key.Matches(msg, k.Down):
			m.row++
		}
		m.row = clamp(m.row, 0, len(m.visibleChecks())-1)
	case modeCheck:
		switch msg.String() {
		case "up", "k":
			m.view.ScrollUp(1)
		case "down", "j":
			m.view.ScrollDown(1)
		case "pgup", "b":
			m.view.PageUp()
		case "pgdown", "space", "f":
			m.view.PageDown()
		}
	}
}

// export writes the reports through the callback; asked for with e, it says where they went (the header always
// shows the last place).
func (m *AuditModel) export(asked bool) {
	switch {
	case m.opt.Export == nil:
		m.message = "exporting is not available here"
	case m.report == nil:
		m.message = "the audit is still running: press e again when it has finished"
	default:
		paths, err := m.opt.Export(m.report)
		if err != nil {
			m.message = "export failed: " + err.Error()
			return
		}
		m.exported = paths
		if asked {
			m.message = "reports written: " + strings.Join(paths, ", ")
		}
	}
}

func (m *AuditModel) rerunSelected() {
	if !m.done || m.rerun {
		m.message = "re-runs start once the audit has finished"
		return
	}
	if m.opt.Rerun == nil {
		m.message = "re-running is not available here"
		return
	}
	var ids []string
	switch m.mode {
	case modeGrid:
		if areas := m.visibleAreas(); len(areas) > 0 {
			for _, e := range m.opt.Checks {
				if e.Area == areas[m.area].ID {
					ids = append(ids, e.ID)
				}
			}
		}
	default:
		if checks := m.visibleChecks(); len(checks) > 0 {
			ids = []string{checks[m.row].ID}
		}
	}
	if len(ids) > 0 {
		m.startRerun(ids, false)
	}
}

func (m *AuditModel) startRerun(ids []string, ops bool) {
	plan := m.opt.Plan
	if ops && m.answer != nil && plan != nil {
		p := *plan
		p.Ops = *m.answer
		plan = &p
	}
	m.rerun = true
	for _, id := range ids {
		m.running[id] = true
	}
	m.message = fmt.Sprintf("re-running %s…", strings.Join(ids, ", "))
	if m.opt.Rerun != nil {
		m.opt.Rerun(ids, plan)
	}
}

func (m *AuditModel) opsIDs() []string {
	var ids []string
	for _, e := range m.opt.Checks {
		if e.Area == "ops" {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// visibleAreas are the panels shown: all, or with f only those with a fail or warn.
func (m *AuditModel) visibleAreas() []audit.Area {
	if !m.failsOnly {
		return m.areas
	}
	var out []audit.Area
	for _, a := range m.areas {
		if st := m.areaStatus(a.ID); st == audit.Fail || st == audit.Warn {
			out = append(out, a)
		}
	}
	return out
}

// visibleChecks are the rows of the open area.
func (m *AuditModel) visibleChecks() []audit.Entry {
	areas := m.visibleAreas()
	if len(areas) == 0 {
		return nil
	}
	var out []audit.Entry
	for _, e := range m.opt.Checks {
		if e.Area != areas[min(m.area, len(areas)-1)].ID {
			continue
		}
		if st := m.results[e.ID].Status; m.failsOnly && st != audit.Fail && st != audit.Warn {
			continue
		}
		out = append(out, e)
	}
	return out
}

// areaStatus rolls up the finished checks of an area as the report does; "" while none has finished.
func (m *AuditModel) areaStatus(area string) audit.Status {
	var rs []audit.Result
	for _, e := range m.opt.Checks {
		if r, ok := m.results[e.ID]; ok && e.Area == area {
			r.Area = area
			rs = append(rs, r)
		}
	}
	for _, row := range audit.Scorecard(rs) {
		return row.Status
	}
	return ""
}

func (m *AuditModel) columns() int {
	return clamp(m.width/36, 1, 4)
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return max(lo, min(v, hi))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// verdictLine is the final screen's first line: "Not ready: 4 critical, 3 high — fix these first: a, b, c".
func verdictLine(r *audit.Report) string {
	v := r.Verdict()
	var first []string
	for _, res := range reports.FixPlan(r.Results) {
		if res.Status == audit.Fail && len(first) < 3 {
			first = append(first, res.ID)
		}
	}
	if len(first) > 0 {
		v += " — fix these first: " + strings.Join(first, ", ")
	}
	return v
}
