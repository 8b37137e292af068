package authz

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// IDORWrite, with active: true only, has account A create a canary object through the app's own API and account
// B try to update, replace and delete it. Each write is judged by what A reads back, not by B's status: an app may
// answer 204 to a write its row rules ignored (PostgREST), or refuse B for a reason that is not ownership (a limit,
// a validation the write never reached). A write B could not do counts as refused only when A's own write of the
// same kind does take effect. The canary is removed at the end.
func IDORWrite(ctx context.Context, t *audit.Target) audit.Result {
	if !t.Plan.Active {
		return audit.NotRun("writes to the app: set active: true in the plan to let the audit create a canary object as A and try to change and delete it as B")
	}
	a, b, res := sides(ctx, t)
	if res != nil {
		return *res
	}
	marker := "launchready-canary-" + randomHex(6)
	c, err := t.NewCanary(ctx, a.Creds, a.Traffic, marker)
	if err != nil {
		return audit.Undecided("could not create a canary as A: " + err.Error())
	}
	w := &canaryWrites{t: t, a: a, b: b, item: c.Item, collection: c.Collection, sample: c.Sample, now: marker}
	defer func() {
		if !w.gone {
			c.Remove(ctx, t, a.Creds)
		}
	}()
	if why := w.learnReadBack(ctx); why != "" {
		return audit.Undecided("A cannot read its new canary back, so no write to it can be judged: "+why, w.evidence(marker))
	}
	var parts []audit.Result
	var refused, untried []string
	for _, method := range []string{http.MethodPatch, http.MethodPut, http.MethodDelete} {
		part, verdict := w.try(ctx, method)
		switch verdict {
		case writeRefused:
			refused = append(refused, method)
		case writeUntried:
			untried = append(untried, method)
		}
		if part != nil {
			parts = append(parts, *part)
		}
	}
	ev := w.evidence(marker)
	if len(parts) > 0 {
		res := audit.Combine(parts...)
		res.Evidence = append(res.Evidence, ev)
		return res
	}
	if len(refused) == 0 {
		return audit.Undecided("no write could be judged: A's own "+strings.Join(untried, ", ")+" of its canary did not take effect either, so B's refusal proves nothing", ev)
	}
	summary := "B's " + strings.Join(refused, ", ") + " of A's canary did not change it, while A's own did"
	if len(untried) > 0 {
		summary += " (" + strings.Join(untried, ", ") + " not judged: A's own did not take effect either)"
	}
	return audit.Passed(summary, ev)
}

// writeVerdict is what one kind of write by B showed.
type writeVerdict int

const (
	writeRefused writeVerdict = iota // B's write did not take effect, and A's own of the same kind did
	writeDone                        // B's write changed or deleted A's canary
	writeUntried                     // A's own write did not take effect either: the app takes no such write
	writeUnknown                     // no verdict: a limit or a failure answered, or the canary could not be read
)

// canaryWrites is IDORWrite's state: the canary, how A reads it back, and what each step showed.
type canaryWrites struct {
	t                *audit.Target
	a, b             *account
	item, collection string
	sample           map[string]any
	readFrom         string // where A reads the canary back: the item, or the collection it lists in
	now              string // the text the canary holds now
	unsure           bool   // a write went out whose effect was not read back: now may be wrong
	gone             bool   // the canary is deleted
	lines            []string
}

// learnReadBack finds where A reads its canary back: the item itself, else the collection it was created in. It
// returns why neither shows it, or "".
func (w *canaryWrites) learnReadBack(ctx context.Context) string {
	var whys []string
	for _, u := range []string{w.item, w.collection} {
		w.readFrom = u
		has, why := w.holds(ctx, w.now)
		if has {
			return ""
		}
		whys = append(whys, cmp.Or(why, "GET "+audit.Route(u)+" as A does not show it"))
	}
	return strings.Join(whys, "; ")
}

// holds reads the canary back as A and reports whether it holds text; when the read itself tells nothing (an
// error, a limit, a failure), why says so and has is false.
func (w *canaryWrites) holds(ctx context.Context, text string) (has bool, why string) {
	resp, err := w.t.Probe.Do(ctx, w.a.apply(&probe.Request{URL: w.readFrom}))
	if err != nil {
		return false, "reading " + audit.Route(w.readFrom) + " as A: " + err.Error()
	}
	has = strings.Contains(string(resp.Body), text)
	w.lines = append(w.lines, fmt.Sprintf("GET %s as A → %d, %s", w.readFrom, resp.Status, map[bool]string{true: "holds " + text, false: "without " + text}[has]))
	if resp.Status < 200 || resp.Status >= 300 {
		return false, fmt.Sprintf("GET %s as A answered %d", audit.Route(w.readFrom), resp.Status)
	}
	return has, ""
}

// write sends one write of the canary as acc; an update or replace sets every text field of the canary to text.
func (w *canaryWrites) write(ctx context.Context, method string, acc *account, text string) (*probe.Response, error) {
	req := &probe.Request{Method: method, URL: w.item, Header: audit.WriteHeader(w.item, nil)}
	if method != http.MethodDelete {
		create := w.t.CanaryRequest(w.collection, w.sample, text) // the canary's own fields, valid as they were created
		req.Body, req.Header = create.Body, create.Header
	}
	resp, err := w.t.Probe.Do(ctx, acc.apply(req))
	if err == nil {
		w.lines = append(w.lines, fmt.Sprintf("%s %s as %s → %d", method, w.item, acc.Name, resp.Status))
	}
	return resp, err
}

// changed reads the canary back after a write meant to set it to text (or, for a delete, to remove it) and reports
// whether the write took effect.
func (w *canaryWrites) changed(ctx context.Context, method, text string) (bool, string) {
	if method == http.MethodDelete {
		has, why := w.holds(ctx, w.now)
		if why != "" && !strings.Contains(why, " answered 404") && !strings.Contains(why, " answered 410") {
			return false, why
		}
		return !has, ""
	}
	return w.holds(ctx, text)
}

// try has B send one kind of write, then, when it did not take effect, A the same: B's write is refused only if A's
// own works. It returns a part of the result when there is one to report (a fail, or why there is no verdict).
func (w *canaryWrites) try(ctx context.Context, method string) (*audit.Result, writeVerdict) {
	unknown := func(why string) (*audit.Result, writeVerdict) {
		w.unsure = true // what the canary holds now is not known: no later write can be judged against it
		r := audit.Undecided(method + " of A's canary as B: " + why)
		return &r, writeUnknown
	}
	if w.unsure {
		r := audit.Undecided(method + " of A's canary as B: not tried, what the canary holds after an earlier write is not known")
		return &r, writeUnknown
	}
	text := "launchready-tampered-" + randomHex(6)
	resp, err := w.write(ctx, method, w.b, text)
	if err != nil {
		return unknown(err.Error())
	}
	if probe.NoVerdict(resp.Status) {
		return unknown(fmt.Sprintf("answered %d, a limit or a failure rather than a refusal", resp.Status))
	}
	done, why := w.changed(ctx, method, text)
	switch {
	case why != "":
		return unknown("reading the canary back: " + why)
	case done:
		if method == http.MethodDelete {
			w.gone = true
		} else {
			w.now = text
		}
		what := map[bool]string{true: "deleted", false: "changed"}[method == http.MethodDelete]
		r := audit.Failed(audit.Critical, fmt.Sprintf("B's %s %s %s A's canary (%d)", method, audit.Route(w.item), what, resp.Status),
			audit.Exchange(method+" of A's canary as B", resp))
		return &r, writeDone
	}
	// B's write did not take effect. A's own, the control, must: a write the app takes from no one proves nothing.
	own := "launchready-own-" + randomHex(6)
	resp, err = w.write(ctx, method, w.a, own)
	if err != nil {
		return unknown("A's own " + method + ": " + err.Error())
	}
	if probe.NoVerdict(resp.Status) {
		return unknown(fmt.Sprintf("A's own %s answered %d, a limit or a failure", method, resp.Status))
	}
	done, why = w.changed(ctx, method, own)
	switch {
	case why != "":
		return unknown("reading the canary back after A's own " + method + ": " + why)
	case !done:
		return nil, writeUntried
	}
	if method == http.MethodDelete {
		w.gone = true
	} else {
		w.now = own
	}
	return nil, writeRefused
}

// evidence is every write and read back, in order.
func (w *canaryWrites) evidence(marker string) audit.Evidence {
	return audit.Note("canary "+marker+" created by A in "+audit.Route(w.collection), strings.Join(w.lines, "\n"))
}
