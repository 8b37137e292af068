package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/launchready/launchready/audit/inbox"
	"github.com/launchready/launchready/tui"
)

// lineAsker asks on out and reads the answer from in, one question at a time (the flows may ask together).
func lineAsker(in io.Reader, out io.Writer) inbox.Asker {
	var mu sync.Mutex
	lines := bufio.NewScanner(in)
	return func(ctx context.Context, prompt string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(out, prompt)
		got := make(chan string, 1)
		go func() {
			if lines.Scan() {
				got <- lines.Text()
			} else {
				got <- ""
			}
		}()
		select {
		case s := <-got:
			return s, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// tuiAsker asks in the live scorecard: a field opens over it, and the answer comes back to the flow.
func tuiAsker(p **tea.Program) inbox.Asker {
	return func(ctx context.Context, prompt string) (string, error) {
		reply := make(chan string, 1)
		(*p).Send(tui.AskMsg{Prompt: prompt, Reply: reply})
		select {
		case s := <-reply:
			return s, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}
