package browser

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/go-rod/rod/lib/proto"
)

// Mobile conditions as Lighthouse 13 applies them with --throttling-method=devtools (its
// lantern/simulation/Constants.js, mobileSlow4G with the devtools adjustments): every request answers 562.5 ms late
// (150 ms RTT x 3.75), 1474.56 Kbps down (1.6 Mbps x 0.9), 675 Kbps up (750 Kbps x 0.9), a 4x slower CPU, and the
// Moto G Power screen Lighthouse emulates (412x823 CSS pixels at 1.75).
const (
	mobileLatency = 562.5              // ms
	mobileDown    = 1474.56 * 1024 / 8 // bytes per second
	mobileUp      = 675 * 1024 / 8     // bytes per second
	mobileCPU     = 4                  // times slower
	mobileWidth   = 412                // CSS pixels
	mobileHeight  = 823                // CSS pixels
	mobileScale   = 1.75               // device pixel ratio
	mobileUA      = "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36 launchready"
	lcpQuietLimit = 20 * time.Second // after the load event, the wait for the last paint
	lcpStable     = time.Second      // how long the largest paint must stay the same to be the last
)

// lcpLoadLimit bounds one load, from navigation to the last paint (a variable for the tests).
var lcpLoadLimit = 30 * time.Second

// MobileConditions says in words how MeasureLCP loads a page, for evidence.
const MobileConditions = "Lighthouse mobile, devtools throttling: 562.5 ms request latency, 1474.56 Kbps down, 675 Kbps up, CPU 4x slower, 412x823 screen at 1.75, cold cache"

// observeLCP records the last largest-contentful-paint entry, as web-vitals does.
const observeLCP = `() => { window.__lrLCP = null; try { new PerformanceObserver(l => { for (const e of l.getEntries()) window.__lrLCP = { t: e.startTime, el: (e.element && (e.element.tagName + (e.url ? ' ' + e.url : ''))) || e.url || '' } }).observe({ type: 'largest-contentful-paint', buffered: true }) } catch (e) {} }`

// LCP is a Largest Contentful Paint measurement.
type LCP struct {
	Time    time.Duration
	Element string // what was painted: tag and URL
	URL     string
	Status  int // the status of the page's own document the load ended on, not an iframe's (0: none recorded)
	// AtLeast: the page had painted nothing that counts when the load's limit came; its LCP is later than Time.
	AtLeast bool
}

// ErrNoLCP means the page painted nothing the browser counts as contentful.
var ErrNoLCP = errors.New("the browser reported no largest-contentful-paint for the page")

// MeasureLCP loads u once, cold, in a fresh anonymous context under Lighthouse's mobile emulation and throttling,
// and returns its LCP. Callers that judge a page take several loads (Lighthouse's own advice is the median of a
// few); two at once share a 2-core machine without slowing each other, as the CPU throttle idles each renderer.
func (e *Engine) MeasureLCP(ctx context.Context, u string) (*LCP, error) {
	c, err := e.NewContext("lcp")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	p, err := c.newPage(ctx, false) // nothing of ours runs in the page measured
	if err != nil {
		return nil, err
	}
	defer p.Close()
	rp := p.rod
	calls := []interface{ Call(proto.Client) error }{
		proto.EmulationSetDeviceMetricsOverride{Width: mobileWidth, Height: mobileHeight, DeviceScaleFactor: mobileScale, Mobile: true},
		proto.EmulationSetTouchEmulationEnabled{Enabled: true},
		proto.NetworkSetUserAgentOverride{UserAgent: mobileUA},
		proto.NetworkClearBrowserCache{},
		proto.NetworkSetCacheDisabled{CacheDisabled: true},
		proto.NetworkEmulateNetworkConditions{Latency: mobileLatency, DownloadThroughput: mobileDown, UploadThroughput: mobileUp},
		proto.EmulationSetCPUThrottlingRate{Rate: mobileCPU},
	}
	for _, call := range calls {
		if err := call.Call(rp); err != nil {
			return nil, e.explain(err)
		}
	}
	if _, err := rp.EvalOnNewDocument("(" + observeLCP + ")()"); err != nil {
		return nil, e.explain(err)
	}
	began := time.Now()
	if err := rp.Timeout(lcpLoadLimit).Navigate(u); err != nil {
		return nil, e.explain(err)
	}
	_ = rp.Timeout(lcpLoadLimit).WaitLoad() // LCP waits for the images, unlike the rest of the audit
	res, err := p.lastPaint(min(lcpQuietLimit, max(5*time.Second, lcpLoadLimit-time.Since(began))))
	if err != nil {
		return nil, e.explain(err)
	}
	if res.Value.Nil() {
		// Nothing painted by the load's limit (Node-RED's editor, 6.8 MB of script on a slow phone: 42 s): the
		// largest paint is later still, a figure in itself, not a failed load.
		if took := time.Since(began); took >= lcpLoadLimit {
			return &LCP{Time: took, AtLeast: true, Element: "nothing painted yet", URL: u, Status: p.MainDocumentStatus()}, nil
		}
		return nil, ErrNoLCP
	}
	ms := res.Value.Get("t").Num()
	return &LCP{Time: time.Duration(ms * float64(time.Millisecond)), Element: elementName(res.Value.Get("el").Str()), URL: u, Status: p.MainDocumentStatus()}, nil
}

// elementName is how the evidence names a painted element: its tag and URL, an inline image (a data: URL, a
// base64 blob no one reads) by its media type.
func elementName(el string) string {
	tag, u, ok := strings.Cut(el, " ")
	if !ok || !strings.HasPrefix(u, "data:") {
		return el
	}
	if i := strings.IndexAny(u, ";,"); i > 0 {
		u = u[:i]
	}
	return tag + " " + u + " (inline)"
}

// lastPaint waits, after the load event, for the page's largest paint to be its last, as Lighthouse waits for the
// network and the CPU to go quiet, and returns it (null when the page painted nothing that counts): the paint has
// not changed for lcpStable, the main thread answers at once, and at most two requests are in flight (a long poll
// or a beacon may never end). While nothing has painted, the network must be fully quiet: a shell that fetches its
// bundle after its load event (Verdaccio's web UI, 2.3 MB, about 13 s on this network) paints only once the
// bundle has come and run. A fixed five seconds read such a page before it painted anything.
func (p *Page) lastPaint(limit time.Duration) (*proto.RuntimeRemoteObject, error) {
	last, since := "", time.Now()
	for end := time.Now().Add(limit); ; time.Sleep(100 * time.Millisecond) {
		asked := time.Now()
		res, err := p.rod.Timeout(5 * time.Second).Eval(`() => window.__lrLCP`)
		if err != nil {
			return nil, err
		}
		if v := res.Value.JSON("", ""); v != last {
			last, since = v, time.Now()
		}
		inFlight, idle := p.rec.busy()
		free := time.Since(asked) < 100*time.Millisecond
		painted := !res.Value.Nil()
		switch {
		case time.Now().After(end):
			return res, nil
		case painted && free && inFlight <= 2 && time.Since(since) >= lcpStable:
			return res, nil
		case !painted && free && inFlight == 0 && idle >= 2*lcpStable && time.Since(since) >= 2*lcpStable:
			return res, nil
		}
	}
}
