package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// AskMsg asks the person at the terminal for one line (the paste inbox: the link from a mail). Reply gets the
// answer, "" when they give up; it must have room for one value.
type AskMsg struct {
	Prompt string
	Reply  chan<- string
	// Confirm asks for no text, only to go on: the person signs in in a browser window, then presses enter
	// (Reply gets "done"; esc sends "").
	Confirm bool
}

// ask is the question on screen and those waiting behind it (the flows may ask at the same time).
type ask struct {
	form    *huh.Form
	answer  string
	current AskMsg
	queue   []AskMsg
	back    mode // where to go once answered
}

func (m *AuditModel) onAsk(msg AskMsg) tea.Cmd {
	if m.mode == modeAsk {
		m.asking.queue = append(m.asking.queue, msg)
		return nil
	}
	if m.asking == nil {
		m.asking = &ask{}
	}
	a := m.asking
	if m.mode != modeAsk {
		a.back = m.mode
		if a.back == modeOps { // the ops form waits: a mail link goes stale
			a.back, m.ops = modeGrid, nil
		}
	}
	a.current, a.answer = msg, ""
	group := huh.NewGroup(
		huh.NewInput().Title(msg.Prompt).Placeholder("https://…").Value(&a.answer),
	).Title("The audit needs a link from your mail · enter to send, esc to skip")
	if msg.Confirm {
		group = huh.NewGroup(
			huh.NewNote().Title(msg.Prompt).Description("The audit waits; it goes on headless with the session you sign in to."),
		).Title("Sign in by hand · enter when you are signed in, esc to give up")
	}
	a.form = huh.NewForm(group).
		WithWidth(min(m.width, 100)).WithShowHelp(true).WithTheme(huh.ThemeFunc(huh.ThemeBase))
	m.mode = modeAsk
	return a.form.Init()
}

func (m *AuditModel) updateAsk(msg tea.Msg) (tea.Model, tea.Cmd) {
	a := m.asking
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "esc" {
		return m, m.answerAsk("")
	}
	form, cmd := a.form.Update(msg)
	if f, ok := form.(*huh.Form); ok {
		a.form = f
	}
	switch a.form.State {
	case huh.StateCompleted:
		if a.current.Confirm {
			return m, m.answerAsk("done")
		}
		return m, m.answerAsk(strings.TrimSpace(a.answer))
	case huh.StateAborted:
		return m, m.answerAsk("")
	}
	return m, cmd
}

// answerAsk sends the answer back to the flow that asked, and opens the next question if one waits.
func (m *AuditModel) answerAsk(answer string) tea.Cmd {
	a := m.asking
	a.current.Reply <- answer
	switch {
	case a.current.Confirm && answer == "":
		m.message = "sign-in given up: the checks that need the account report inconclusive"
	case a.current.Confirm:
		m.message = "signed in: capturing the session"
	case answer == "":
		m.message = "skipped: the flow that needed this link reports inconclusive"
	default:
		m.message = "link received"
	}
	m.mode, a.form = a.back, nil
	if len(a.queue) > 0 {
		next := a.queue[0]
		a.queue = a.queue[1:]
		return m.onAsk(next)
	}
	return nil
}

func (m *AuditModel) askView() string {
	if m.asking == nil || m.asking.form == nil {
		return ""
	}
	return m.asking.form.View()
}
