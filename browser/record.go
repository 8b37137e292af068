package browser

import (
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// Recorded bodies are for judging, not archiving: API answers are kept up to 512 KiB, pages and scripts (which
// the secret scanner reads whole) up to 8 MiB.
const (
	bodyCap   = 512 << 10
	scriptCap = 8 << 20
)

func capFor(typ string) int {
	if typ == "Script" || typ == "Document" {
		return scriptCap
	}
	return bodyCap
}

// maxExchanges bounds a page's recording.
const maxExchanges = 500

// Exchange is one request the app made and what came back, as the browser saw it. Header and body values include
// the account's credentials: they are secrets of the audit and must be redacted before they become evidence.
type Exchange struct {
	Method         string
	URL            string
	Type           string            // Document, XHR, Fetch, Script, ...
	RequestHeader  map[string]string // names in lower case, as are ResponseHeader's
	RequestBody    string
	Status         int
	ResponseHeader map[string]string
	MIME           string
	Body           []byte
	Failed         string // why the request did not complete (blocked, network error)
	Initiator      string // the URL of the document that made the request
	// MainFrame: the request was made for the page's top frame (its own documents, not an iframe's).
	MainFrame bool
}

// IsAPI reports whether the exchange is the app talking to its API (fetch/XHR), not loading a page or asset.
func (x *Exchange) IsAPI() bool { return x.Type == "XHR" || x.Type == "Fetch" }

// recorder collects a page's network exchanges from CDP's Network domain.
type recorder struct {
	page   *rod.Page
	mu     sync.Mutex
	byID   map[proto.NetworkRequestID]*Exchange
	order  []*Exchange
	bodies sync.WaitGroup
	// open are the requests whose body may be kept and whose end (finished or failed) has not reached this
	// recorder yet: the page's own idle wait may see the end before this listener does.
	open map[proto.NetworkRequestID]bool
	// inflight are the requests of any type sent and not yet ended, and idleSince when the last of them ended.
	inflight  map[proto.NetworkRequestID]flight
	idleSince time.Time
	// Of the requests a settling page waits for (flight.awaited), awaitedEnd is when the last of them ended;
	// navigated is when the page last asked to navigate (its document request not sent yet), and moves counts
	// both, so that a look can tell nothing moved.
	awaitedEnd time.Time
	lastSent   time.Time // when the last awaited request was sent
	navigated  time.Time
	moves      int
}

// flight is a request in flight: when it was sent, and whether a settling page waits for it (not images, fonts,
// media or streams: see awaits).
type flight struct {
	sent    time.Time
	awaited bool
}

// holding says what holds a wait for the page to settle after an action begun at since: the awaited requests sent
// since and open for longer than window ("GET URL", without the query), or, when none is, the last one sent
// ("requests kept coming, the last GET URL").
func (r *recorder) holding(since time.Time, window time.Duration) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := func(x *Exchange) string {
		u, _, _ := strings.Cut(x.URL, "?")
		return x.Method + " " + u
	}
	var open []string
	for id, f := range r.inflight {
		if x := r.byID[id]; x != nil && f.awaited && !f.sent.Before(since) && time.Since(f.sent) >= window {
			open = append(open, name(x))
		}
	}
	if len(open) > 0 {
		slices.Sort(open)
		return slices.Compact(open)
	}
	if r.lastSent.Before(since) {
		return nil
	}
	for i := len(r.order) - 1; i >= 0; i-- {
		if x := r.order[i]; awaits(proto.NetworkResourceType(x.Type)) {
			return []string{"requests kept coming, the last " + name(x)}
		}
	}
	return nil
}

// busy returns how many requests are in flight, and how long none has been.
func (r *recorder) busy() (int, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.inflight) > 0 {
		return len(r.inflight), 0
	}
	return 0, time.Since(r.idleSince)
}

// over notes that request id has ended (finished or failed); the caller holds mu.
func (r *recorder) over(id proto.NetworkRequestID) {
	if f, ok := r.inflight[id]; ok {
		delete(r.inflight, id)
		if f.awaited {
			r.awaitedEnd = time.Now()
		}
		if len(r.inflight) == 0 {
			r.idleSince = time.Now()
		}
	}
}

// endWait bounds how long ended waits for the ends of open requests: a moment of event delivery, not a
// long-polling request.
const endWait = 500 * time.Millisecond

func record(page *rod.Page) (*recorder, error) {
	r := &recorder{page: page, byID: map[proto.NetworkRequestID]*Exchange{}, open: map[proto.NetworkRequestID]bool{},
		inflight: map[proto.NetworkRequestID]flight{}, idleSince: time.Now()}
	resBuf, totalBuf := 8<<20, 64<<20
	if err := (proto.NetworkEnable{MaxResourceBufferSize: &resBuf, MaxTotalBufferSize: &totalBuf}).Call(page); err != nil {
		return nil, err
	}
	if err := (proto.PageEnable{}).Call(page); err != nil {
		return nil, err
	}
	wait := page.EachEvent(
		func(e *proto.PageFrameRequestedNavigation) {
			if e.FrameID == page.FrameID {
				r.mu.Lock()
				r.navigated = time.Now()
				r.moves++
				r.mu.Unlock()
			}
		},
		func(e *proto.NetworkRequestWillBeSent) {
			r.mu.Lock()
			defer r.mu.Unlock()
			// A request fetched for a worker (a dedicated worker's own script: no loader) is reported to the page,
			// but its end only to the worker: it would hold every wait to its limit, so no wait counts it.
			worker := e.LoaderID == ""
			if _, again := r.inflight[e.RequestID]; !again && !worker { // a redirect sends the same ID again
				r.inflight[e.RequestID] = flight{sent: time.Now(), awaited: awaits(e.Type)}
			}
			if awaits(e.Type) && !worker {
				r.lastSent = time.Now()
				r.moves++
				if e.Type == proto.NetworkResourceTypeDocument && e.FrameID == page.FrameID {
					r.navigated = time.Time{} // the navigation's own request now holds the wait
				}
			}
			if len(r.order) >= maxExchanges {
				return
			}
			x := &Exchange{Method: e.Request.Method, URL: e.Request.URL, Type: string(e.Type), RequestHeader: headers(e.Request.Headers),
				RequestBody: postData(e.Request), Initiator: e.DocumentURL, MainFrame: e.FrameID == page.FrameID}
			if old, ok := r.byID[e.RequestID]; ok && e.RedirectResponse != nil { // a redirect reuses the ID
				old.Status = e.RedirectResponse.Status
				old.ResponseHeader = headers(e.RedirectResponse.Headers)
			}
			r.byID[e.RequestID] = x
			r.order = append(r.order, x)
			if keepsBody(x.Type) && !worker {
				r.open[e.RequestID] = true
			}
		},
		func(e *proto.NetworkResponseReceived) {
			r.mu.Lock()
			defer r.mu.Unlock()
			if x, ok := r.byID[e.RequestID]; ok {
				x.Status, x.MIME, x.ResponseHeader = e.Response.Status, e.Response.MIMEType, headers(e.Response.Headers)
			}
		},
		func(e *proto.NetworkLoadingFinished) {
			r.mu.Lock()
			defer r.mu.Unlock()
			x, ok := r.byID[e.RequestID]
			delete(r.open, e.RequestID)
			r.over(e.RequestID)
			if !ok || !keepsBody(x.Type) || e.EncodedDataLength > 4*float64(capFor(x.Type)) {
				return
			}
			r.bodies.Add(1) // under mu: exchanges sees the fetch started, or the request still open
			go r.fetchBody(e.RequestID, x)
		},
		func(e *proto.NetworkLoadingFailed) {
			r.mu.Lock()
			defer r.mu.Unlock()
			delete(r.open, e.RequestID)
			r.over(e.RequestID)
			if x, ok := r.byID[e.RequestID]; ok {
				x.Failed = e.ErrorText
				if e.BlockedReason != "" {
					x.Failed += " (" + string(e.BlockedReason) + ")"
				}
			}
		},
	)
	go wait()
	return r, nil
}

func keepsBody(t string) bool { return t == "XHR" || t == "Fetch" || t == "Document" || t == "Script" }

func (r *recorder) fetchBody(id proto.NetworkRequestID, x *Exchange) {
	defer r.bodies.Done()
	res, err := proto.NetworkGetResponseBody{RequestID: id}.Call(r.page)
	if err != nil {
		return
	}
	body := []byte(res.Body)
	if res.Base64Encoded {
		if b, err := base64.StdEncoding.DecodeString(res.Body); err == nil {
			body = b
		}
	}
	if c := capFor(x.Type); len(body) > c {
		body = body[:c]
	}
	r.mu.Lock()
	x.Body = body
	r.mu.Unlock()
}

// ended returns what was recorded once every request whose body is kept has ended, or endWait has passed: for
// the traffic a page is done with (a login's, a walk's), whose last answers may still be on their way to this
// listener.
func (r *recorder) ended() []Exchange {
	for deadline := time.Now().Add(endWait); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		r.mu.Lock()
		open := len(r.open)
		r.mu.Unlock()
		if open == 0 {
			break
		}
	}
	return r.exchanges()
}

// exchanges returns what was recorded so far, once every started body fetch has finished.
func (r *recorder) exchanges() []Exchange {
	r.bodies.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Exchange, 0, len(r.order))
	for _, x := range r.order {
		out = append(out, *x)
	}
	return out
}

func headers(h proto.NetworkHeaders) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[strings.ToLower(k)] = v.String()
	}
	return out
}

func postData(r *proto.NetworkRequest) string {
	var b strings.Builder
	for _, e := range r.PostDataEntries {
		b.Write(e.Bytes) // rod has already decoded the base64 of the protocol
	}
	return b.String()
}
