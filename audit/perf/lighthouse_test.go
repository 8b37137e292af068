package perf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// TestLCPAgainstLighthouse measures mobile LCP of the demo's first page (flawed and hardened) and of a small
// single-page app with launchready's measurement and with Lighthouse's (--throttling-method=devtools, the median of
// three runs each), and compares the two. It runs only when LAUNCHREADY_BENCH_LIGHTHOUSE names Lighthouse's CLI
// script: bench/lcp.sh installs Lighthouse from npm and runs it.
func TestLCPAgainstLighthouse(t *testing.T) {
	lighthouse := os.Getenv("LAUNCHREADY_BENCH_LIGHTHOUSE")
	if lighthouse == "" {
		t.Skip("set LAUNCHREADY_BENCH_LIGHTHOUSE to Lighthouse's cli/index.js (bench/lcp.sh does)")
	}
	bin, err := browser.Find()
	if err != nil {
		t.Fatal(err)
	}
	pages := []struct {
		name   string
		target func(t *testing.T) *audit.Target
	}{
		{"demo, flawed (slow hero)", func(t *testing.T) *audit.Target { return demotest.Target(t, demo.Flawed()) }},
		{"demo, hardened", func(t *testing.T) *audit.Target { return demotest.Target(t, demo.Hardened()) }},
		{"single-page app (JS bundle draws the page)", lcpSPA},
	}
	for _, pg := range pages {
		tg := pg.target(t)
		engine, err := tg.Browser()
		if err != nil {
			t.Fatal(err)
		}
		loads, failures := measureLCP(t.Context(), engine, tg.App.String(), nil)
		if len(loads) < lcpLoads {
			t.Fatalf("%s: launchready measured %d loads: %v", pg.name, len(loads), failures)
		}
		ours := medianLCP(loads).Time
		theirs := lighthouseLCP(t, lighthouse, bin, tg)
		ratio := float64(ours) / float64(theirs)
		line := fmt.Sprintf("%-44s launchready %6s  Lighthouse %6s  ratio %.2f", pg.name, ours.Round(10*time.Millisecond), theirs.Round(10*time.Millisecond), ratio)
		t.Log(line)
		if ratio < 0.75 || ratio > 1.25 {
			t.Errorf("%s: the ratio is outside 0.75-1.25", pg.name)
		}
	}
}

// lighthouseLCP runs Lighthouse three times on the target's first page, as its docs advise for lab figures, and
// returns the median LCP.
func lighthouseLCP(t *testing.T, cli, chromium string, tg *audit.Target) time.Duration {
	t.Helper()
	flags := []string{"--headless=new", "--ignore-certificate-errors", "--disable-gpu"}
	if os.Geteuid() == 0 {
		flags = append(flags, "--no-sandbox")
	}
	if resolve, _ := tg.Plan.ResolveMap(); len(resolve) > 0 {
		var rules []string
		for hostport, addr := range resolve {
			host, _, _ := strings.Cut(hostport, ":")
			ip, _, _ := strings.Cut(addr, ":")
			rules = append(rules, "MAP "+host+" "+ip)
		}
		slices.Sort(rules)
		flags = append(flags, `--host-resolver-rules="`+strings.Join(rules, ",")+`"`)
	}
	var runs []time.Duration
	for range 3 {
		cmd := exec.Command("node", cli, tg.App.String(), "--only-audits=largest-contentful-paint", "--throttling-method=devtools",
			"--output=json", "--output-path=stdout", "--quiet", "--chrome-flags="+strings.Join(flags, " "))
		cmd.Env = append(os.Environ(), "CHROME_PATH="+chromium)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("lighthouse: %v\n%s", err, stderr.String())
		}
		var lhr struct {
			RuntimeError *struct{ Message string } `json:"runtimeError"`
			Audits       map[string]struct {
				NumericValue float64 `json:"numericValue"`
			} `json:"audits"`
		}
		if err := json.Unmarshal(out, &lhr); err != nil {
			t.Fatalf("lighthouse's report: %v", err)
		}
		if lhr.RuntimeError != nil {
			t.Fatalf("lighthouse: %s", lhr.RuntimeError.Message)
		}
		ms := lhr.Audits["largest-contentful-paint"].NumericValue
		if ms <= 0 {
			t.Fatalf("lighthouse reported no LCP for %s", tg.App)
		}
		runs = append(runs, time.Duration(ms*float64(time.Millisecond)))
	}
	slices.Sort(runs)
	return runs[1]
}

// lcpSPA serves a small single-page app the way a bundler ships one: an empty shell, a 200 KB script that draws
// the page, and the cover image the script adds.
func lcpSPA(t *testing.T) *audit.Target {
	var bundle strings.Builder
	bundle.WriteString("const strings = [\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for bundle.Len() < 200<<10 {
		fmt.Fprintf(&bundle, "  %q,\n", fmt.Sprintf("copy-%x", rng.Uint64()))
	}
	bundle.WriteString(`];
const root = document.getElementById('root');
root.innerHTML = '<header><h1>Plan your launch</h1></header><img src="/static/cover.png" width="412" height="300" alt="" style="width:100%;height:auto"><p>' + strings.length + ' tips for a calm launch day.</p>';
`)
	img := image.NewRGBA(image.Rect(0, 0, 412, 300))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	var cover bytes.Buffer
	if err := png.Encode(&cover, img); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Launchpad</title></head><body><div id="root"></div><script src="/static/bundle.js"></script></body></html>`))
	})
	mux.HandleFunc("GET /static/bundle.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(bundle.String()))
	})
	mux.HandleFunc("GET /static/cover.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(cover.Bytes())
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL + "/")
	tg, err := audit.NewTarget(&audit.Plan{App: u.String(), TLS: audit.TLS{Insecure: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tg.Close)
	return tg
}
