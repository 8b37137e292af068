package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/launchready/launchready/audit"
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

// errGaveUp is a person giving up on signing in by hand.
var errGaveUp = errors.New("given up at the terminal")

// lineSignIn waits at the terminal for the person to sign in in the browser window (login: manual): enter when
// done, q to give up.
func lineSignIn(ask inbox.Asker) audit.SignInByHand {
	return func(ctx context.Context, w audit.SignInWindow) error {
		answer, err := ask(ctx, w.Prompt()+" (q and enter to give up):")
		if err != nil {
			return err
		}
		if strings.EqualFold(strings.TrimSpace(answer), "q") {
			return errGaveUp
		}
		return nil
	}
}

// tuiSignIn waits in the live scorecard for the person to sign in in the browser window: enter when done, esc to
// give up.
func tuiSignIn(p **tea.Program) audit.SignInByHand {
	return func(ctx context.Context, w audit.SignInWindow) error {
		reply := make(chan string, 1)
		(*p).Send(tui.AskMsg{Prompt: w.Prompt(), Reply: reply, Confirm: true})
		select {
		case s := <-reply:
			if s == "" {
				return errGaveUp
			}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// windowHeadless is set (LAUNCHREADY_WINDOW_HEADLESS=1) to keep the manual sign-in's window headless: for tests
// and demonstrations on machines without a display; nobody can sign in in it by hand.
func windowHeadless() bool { return os.Getenv("LAUNCHREADY_WINDOW_HEADLESS") == "1" }

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
