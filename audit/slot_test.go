package audit

import (
	"context"
	"testing"
	"time"
)

// A check waiting for shared work another check is doing (a login, the walk) gives its place back while it waits,
// and takes one again before it goes on: with two places, one held by the check doing the login and one by a check
// waiting for it, a third check gets a place during the login.
func TestWaitingForSharedWorkGivesThePlaceBack(t *testing.T) {
	sem := make(chan struct{}, 2)
	in := func() (*slot, context.Context) {
		s := &slot{sem: sem}
		s.take(t.Context())
		return s, context.WithValue(t.Context(), slotKey{}, s)
	}
	doer, doerCtx := in()
	waiter, waiterCtx := in()
	var login sharedOnce
	loginStarted, waiterDone := make(chan struct{}), make(chan struct{})
	thirdGotIn := false
	go login.do(doerCtx, func() {
		close(loginStarted)
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && !thirdGotIn; time.Sleep(5 * time.Millisecond) {
			select {
			case sem <- struct{}{}: // a third check takes a place, and ends
				thirdGotIn = true
				<-sem
			default:
			}
		}
	})
	<-loginStarted
	go func() {
		defer close(waiterDone)
		login.do(waiterCtx, func() { t.Error("the login ran twice") })
	}()
	<-waiterDone
	if !thirdGotIn {
		t.Error("no third check got a place during the login: the waiting check kept its own")
	}
	if !waiter.held || !doer.held {
		t.Errorf("after the login, the waiting check holds a place: %v, the check that logged in: %v", waiter.held, doer.held)
	}
	if len(sem) != 2 {
		t.Errorf("%d places taken after the login, want 2", len(sem))
	}
}
