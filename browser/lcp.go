package browser

import (
	"context"
	"errors"
	"time"

	"github.com/go-rod/rod/lib/proto"
)

// Mobile conditions like Lighthouse's mobile preset: a mid-range phone's screen, 150 ms RTT, 1.6 Mbps down,
// 750 Kbps up, and a 4x slower CPU.
const (
	mobileRTT  = 150
	mobileDown = 1.6 * 1024 * 1024 / 8
	mobileUp   = 750 * 1024 / 8
	mobileCPU  = 4
	mobileUA   = "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 launchready"
)

// observeLCP records the last largest-contentful-paint entry, as web-vitals does.
const observeLCP = `() => { window.__lrLCP = null; try { new PerformanceObserver(l => { for (const e of l.getEntries()) window.__lrLCP = { t: e.startTime, el: (e.element && (e.element.tagName + (e.url ? ' ' + e.url : ''))) || e.url || '' } }).observe({ type: 'largest-contentful-paint', buffered: true }) } catch (e) {} }`

// LCP is a Largest Contentful Paint measurement.
type LCP struct {
	Time    time.Duration
	Element string // what was painted: tag and URL
	URL     string
}

// ErrNoLCP means the page painted nothing the browser counts as contentful.
var ErrNoLCP = errors.New("the browser reported no largest-contentful-paint for the page")

// MeasureLCP loads u in a fresh anonymous context under mobile emulation and throttling and returns its LCP.
func (e *Engine) MeasureLCP(ctx context.Context, u string) (*LCP, error) {
	c, err := e.NewContext("lcp")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	p, err := c.NewPage(ctx)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	rp := p.rod
	width, height, scale := 412, 823, 1.75
	if err := (proto.EmulationSetDeviceMetricsOverride{Width: width, Height: height, DeviceScaleFactor: scale, Mobile: true}).Call(rp); err != nil {
		return nil, e.explain(err)
	}
	_ = (proto.NetworkSetUserAgentOverride{UserAgent: mobileUA}).Call(rp)
	_ = (proto.EmulationSetTouchEmulationEnabled{Enabled: true}).Call(rp)
	if err := (proto.NetworkEmulateNetworkConditions{Latency: mobileRTT, DownloadThroughput: mobileDown, UploadThroughput: mobileUp}).Call(rp); err != nil {
		return nil, e.explain(err)
	}
	if err := (proto.EmulationSetCPUThrottlingRate{Rate: mobileCPU}).Call(rp); err != nil {
		return nil, e.explain(err)
	}
	if _, err := rp.EvalOnNewDocument("(" + observeLCP + ")()"); err != nil {
		return nil, e.explain(err)
	}
	if err := rp.Timeout(30 * time.Second).Navigate(u); err != nil {
		return nil, e.explain(err)
	}
	_ = rp.Timeout(30 * time.Second).WaitLoad() // LCP waits for the images, unlike the rest of the audit
	p.settle(5 * time.Second)
	res, err := rp.Timeout(5 * time.Second).Eval(`() => window.__lrLCP`)
	if err != nil {
		return nil, e.explain(err)
	}
	if res.Value.Nil() {
		return nil, ErrNoLCP
	}
	ms := res.Value.Get("t").Num()
	return &LCP{Time: time.Duration(ms * float64(time.Millisecond)), Element: res.Value.Get("el").Str(), URL: u}, nil
}
