package browser

import (
	"context"
	"errors"
	"time"

	"github.com/go-rod/rod/lib/proto"
)

// How a page is judged settled after an action (a navigation, a click, a submit). The old rule alone — no
// request for a window of 300 or 400 ms — spent most of a login's time waiting on a page that had long been done:
// a dozen such windows were most of the account flows. A page is now also settled, sooner, when it shows it has
// nothing more to do: no request for settledQuiet, no navigation asked for, its load event past, its main thread
// idle (an idle callback ran), no timer or short interval of its own due within settledHorizon, no fetch of its
// own unanswered, and nothing sent while it was asked. A page that cannot say so (a timer pending, a clock ticking
// every second, a busy script) still ends by the window, as before, and the look runs beside the window's count:
// no wait is longer than it was.
const (
	settledQuiet   = 150 * time.Millisecond
	settledHorizon = time.Second
	settledPoll    = 25 * time.Millisecond
	navAsked       = time.Second // how long a navigation asked for, whose request has not been sent, holds the wait
)

// trackTimers runs in every document before the page's own scripts: it keeps the page's pending timers and short
// intervals (due times, on the page's clock), which nothing in the browser's protocol shows, its fetches and XHRs
// not yet answered, and when it last started to leave for another document. The last two the protocol shows too,
// but a moment late: a request the page made just before it was asked reaches this listener after the answer.
// A string timer is passed on untracked; every wrapped function returns what the page's own call would.
const trackTimers = `(() => {
  if (window.__lrTimers) return;
  const pending = new Map(), busy = { nav: -Infinity, started: new Set() };
  Object.defineProperty(window, '__lrTimers', { value: pending });
  Object.defineProperty(window, '__lrBusy', { value: busy });
  const st = window.setTimeout, ct = window.clearTimeout, si = window.setInterval, ci = window.clearInterval;
  window.setTimeout = function (fn, ms, ...args) {
    if (typeof fn !== 'function') return st.apply(window, arguments);
    const id = st.call(window, function () { pending.delete(id); return fn.apply(this, arguments) }, ms, ...args);
    pending.set(id, performance.now() + (Number(ms) || 0));
    return id;
  };
  window.clearTimeout = function (id) { pending.delete(id); return ct.call(window, id) };
  window.setInterval = function (fn, ms, ...args) {
    const id = si.apply(window, arguments);
    if ((Number(ms) || 0) <= 1000) pending.set(id, -Infinity);
    return id;
  };
  window.clearInterval = function (id) { pending.delete(id); return ci.call(window, id) };
  const begin = () => { const at = { t: performance.now() }; busy.started.add(at); return () => { busy.started.delete(at) } };
  if (window.fetch) {
    const f = window.fetch;
    window.fetch = function () {
      const p = f.apply(this, arguments);
      const done = begin();
      p.then(done, done);
      return p;
    };
  }
  if (window.XMLHttpRequest) {
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function () {
      const done = begin();
      this.addEventListener('loadend', done, { once: true });
      try { return send.apply(this, arguments) } catch (e) { done(); throw e }
    };
  }
  if (window.navigation) window.navigation.addEventListener('navigate', e => { if (!e.destination.sameDocument) busy.nav = performance.now() });
})()`

// idleNow answers, once the page's main thread is idle (or after 300 ms of it not being), whether it was idle,
// whether it has something coming (a timer of its own due within the horizon, a fetch not answered, a move to
// another document started within it), and whether its document is still loading (the sooner end waits for
// the load event, images included: a page's deferred scripts run after it is parsed).
const idleNow = `(horizon) => new Promise(done => {
  const look = idle => {
    const timers = window.__lrTimers, busy = window.__lrBusy, now = performance.now();
    let soon = !timers || !busy || busy.started.size > 0 || now - busy.nav < horizon;
    if (timers) for (const due of timers.values()) if (due - now <= horizon) { soon = true; break }
    done({ idle, soon, loading: document.readyState !== 'complete' });
  };
  if (window.requestIdleCallback) requestIdleCallback(d => look(!d.didTimeout), { timeout: 300 }); else look(false);
})`

// awaits reports whether a settling page waits for requests of type t: not for images, fonts and media (LCP
// measures those), nor streams that never end — as rod's WaitRequestIdle.
func awaits(t proto.NetworkResourceType) bool {
	switch t {
	case proto.NetworkResourceTypeWebSocket, proto.NetworkResourceTypeEventSource, proto.NetworkResourceTypeMedia,
		proto.NetworkResourceTypeImage, proto.NetworkResourceTypeFont:
		return false
	}
	return true
}

// stillness is what the recorder saw of the requests sent since an action.
type stillness struct {
	busy  int           // awaited requests sent since the action and not ended
	quiet time.Duration // since the wait began, the last awaited request's end or a navigation asked for
	moves int
	sent  bool // an awaited request was sent since the action
}

// stillSince returns how still the page has been since the action begun at since, its quiet counted from from.
func (r *recorder) stillSince(since, from time.Time) stillness {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := stillness{moves: r.moves, sent: !r.lastSent.Before(since)}
	for _, f := range r.inflight {
		if f.awaited && !f.sent.Before(since) {
			st.busy++
		}
	}
	last := from
	if r.awaitedEnd.After(last) {
		last = r.awaitedEnd
	}
	if !r.navigated.IsZero() && time.Since(r.navigated) < navAsked {
		if r.navigated.After(last) {
			last = r.navigated
		}
		st.busy++ // its request is on its way
	}
	st.quiet = time.Since(last)
	return st
}

// How a wait for a page to settle ended.
type settledBy string

const (
	byWindow settledBy = "no request for the window"
	byIdle   settledBy = "the page said it was idle"
	byLimit  settledBy = "the limit"
)

// quiet waits, up to limit, until the page has settled after the action begun at since: no awaited request has
// been open for window, or (sooner) the page shows it has nothing more to do (see settledQuiet). Requests sent
// before the action (a long poll) do not hold it, as with rod's WaitRequestIdle, and as there the quiet counts from
// the call, made once the action is done (a click's events dispatched, which takes a while on a busy machine), or
// from the last request's end: the request an action starts reaches this listener a moment after the page made
// it. When sends, the action is one that sends something (a submit, a logout): until a request was seen, only the
// window ends the wait, as before.
func (p *Page) quiet(since time.Time, window, limit time.Duration, sends bool) settledBy {
	ctx, called := p.rod.GetContext(), time.Now()
	// The look at the page runs beside the window's count, so that a page slow to answer (a long task on its main
	// thread) does not hold back the window's end.
	var look chan bool
	var lookMoves int // what the recorder had seen when the look began: the page's answer holds only if nothing moved
	for end := called.Add(limit); time.Now().Before(end) && ctx.Err() == nil; time.Sleep(settledPoll) {
		st := p.rec.stillSince(since, called)
		if look != nil {
			select {
			case idle := <-look:
				look = nil
				if idle && st.busy == 0 && st.moves == lookMoves {
					return byIdle
				}
			default:
			}
		}
		switch {
		case st.busy > 0:
		case st.quiet >= window:
			if p.awake(end, st.moves, since, called) {
				return byWindow
			}
		case look == nil && st.quiet >= settledQuiet && (st.sent || !sends):
			ch, moves := make(chan bool, 1), st.moves
			look, lookMoves = ch, moves
			go func() { ch <- p.idle(since, called, moves) }()
		}
	}
	if ctx.Err() == nil && p.engine != nil {
		for _, what := range p.rec.holding(since, window) {
			p.engine.noteStalled(what)
		}
	}
	return byLimit
}

// busyTask is how long the page may take to answer before it counts as having been busy with a task of its own.
const busyTask = 50 * time.Millisecond

// startedSince counts the page's fetches and XHRs not yet answered that it started within the last ms
// milliseconds (0 in a page without our script).
const startedSince = `(ms) => { const b = window.__lrBusy; if (!b) return 0; const now = performance.now(); let n = 0; for (const s of b.started) if (now - s.t <= ms) n++; return n }`

// awake reports whether the page's window of quiet holds: the page answers (up to end) that it started no fetch
// since the action that is not answered yet, and if it had to finish a task of its own first, nothing was sent in
// the moment after. The browser's protocol reports a request a moment after the page made it, later still while
// the machine is busy: Node-RED's editor evaluated its 4 MB of JavaScript, started nine fetches for its locales,
// and the window ended before the protocol showed any of them; its login dialog came 100 ms later. Fetches
// started before the action (a long poll) do not hold the window. A page that does not answer by end (a script
// that never yields) holds the wait to its limit.
func (p *Page) awake(end time.Time, moves int, since, from time.Time) bool {
	asked := time.Now()
	res, err := p.rod.Timeout(time.Until(end)).Eval(startedSince, time.Since(since).Milliseconds())
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if err == nil && res.Value.Int() > 0 {
		return false
	}
	if time.Since(asked) < busyTask {
		return true
	}
	time.Sleep(busyTask)
	st := p.rec.stillSince(since, from)
	return st.busy == 0 && st.moves == moves
}

// idle asks the page whether it has anything left to do, and reports it has not only when nothing was sent or
// asked for while it answered.
func (p *Page) idle(since, from time.Time, moves int) bool {
	res, err := p.rod.Timeout(time.Second).Eval(idleNow, settledHorizon.Milliseconds())
	if err != nil {
		return false
	}
	v := res.Value
	if !v.Get("idle").Bool() || v.Get("soon").Bool() || v.Get("loading").Bool() {
		return false
	}
	st := p.rec.stillSince(since, from)
	return st.busy == 0 && st.moves == moves
}
