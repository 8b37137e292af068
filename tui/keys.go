package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key of the audit view; it also drives the help view, so the two never disagree.
type KeyMap struct {
	Up, Down, Left, Right key.Binding
	Open, Back            key.Binding
	Filter, Rerun, Export key.Binding
	Ops, Help, Quit       key.Binding
	Accept                key.Binding
}

// DefaultKeyMap is the audit view's keys: arrows or hjkl to move, enter to open, esc to go back.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:   key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
		Right:  key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:   key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),
		Filter: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "failures only")),
		Rerun:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-run")),
		Export: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export reports")),
		Ops:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "ops questions")),
		Accept: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "accept this risk")),
		Help:   key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit:   key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the one-line help under the panels.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Back, k.Filter, k.Export, k.Ops, k.Help, k.Quit}
}

// FullHelp is the help that ? opens.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right},
		{k.Open, k.Back, k.Filter},
		{k.Rerun, k.Export, k.Ops, k.Accept},
		{k.Help, k.Quit},
	}
}
