package perf

import (
	"crypto/tls"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// TestP95AgainstHey measures the demo's slow endpoint with this package's sampler and with hey (the same
// concurrency and count), and compares the two p95s. It runs only when LAUNCHREADY_BENCH_HEY names a hey binary:
// bench/p95.sh installs hey and runs it.
func TestP95AgainstHey(t *testing.T) {
	hey := os.Getenv("LAUNCHREADY_BENCH_HEY")
	if hey == "" {
		t.Skip("set LAUNCHREADY_BENCH_HEY to a hey binary (bench/p95.sh does)")
	}
	srv := demotest.Start(t, demotest.Only(demo.FlawSlowAPI))
	// Log in as A over the demo's address, to get a session cookie both tools send.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: insecure()}
	acc := srv.Accounts[0]
	if _, err := client.PostForm(srv.HTTPSURL+"login", url.Values{"email": {acc.Email}, "password": {acc.Password}}); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(srv.HTTPSURL)
	var cookie string
	for _, c := range jar.Cookies(base) {
		cookie = c.Name + "=" + c.Value
	}
	endpoint := srv.HTTPSURL + "api/communities/1/posts"
	const n = 40

	tg, err := audit.NewTarget(&audit.Plan{App: srv.HTTPSURL, TLS: audit.TLS{Insecure: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	session := &audit.Session{Header: http.Header{"Cookie": {cookie}}}
	times, bad, errs, _ := sampleAll(t.Context(), tg, session, []string{"slow"}, map[string]string{"slow": endpoint}, n, nil)
	if len(errs) > 0 || len(times["slow"]) != n {
		t.Fatalf("sampler: %d samples, not answered %v, errors %v", len(times["slow"]), bad, errs)
	}
	ours := quantiles(times["slow"])[1]

	out, err := exec.Command(hey, "-n", strconv.Itoa(n), "-c", strconv.Itoa(sampleConcurrency), "-H", "Cookie: "+cookie, endpoint).CombinedOutput()
	if err != nil {
		t.Fatalf("hey: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`95%+ in ([0-9.]+) secs`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no p95 in hey's output:\n%s", out)
	}
	secs, _ := strconv.ParseFloat(string(m[1]), 64)
	theirs := time.Duration(secs * float64(time.Second))
	ratio := float64(ours) / float64(theirs)
	t.Logf("p95 of GET %s over %d requests, %d at a time: launchready %s, hey %s, ratio %.3f", strings.TrimPrefix(endpoint, srv.HTTPSURL), n, sampleConcurrency, ours, theirs, ratio)
	if ratio < 0.9 || ratio > 1.1 {
		t.Errorf("the two p95s differ by more than 10%%")
	}
}

func insecure() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the demo's throwaway certificate
	return tr
}
