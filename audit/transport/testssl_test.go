package transport

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// TestProtocolsAgreeWithTestssl cross-checks transport.tls-version against testssl.sh on the demo's endpoints,
// where testssl.sh is installed (Debian: apt-get install testssl.sh). It is an outside opinion, not a dependency.
func TestProtocolsAgreeWithTestssl(t *testing.T) {
	bin, err := exec.LookPath("testssl")
	if err != nil {
		if bin, err = exec.LookPath("testssl.sh"); err != nil {
			t.Skip("testssl.sh is not installed (apt-get install testssl.sh to run this cross-check)")
		}
	}
	names := map[string]string{"TLS1": "TLS 1.0", "TLS1_1": "TLS 1.1", "TLS1_2": "TLS 1.2", "TLS1_3": "TLS 1.3"}
	for _, flaws := range []demo.Flaws{demotest.Only(demo.FlawOldTLS), demo.Hardened()} {
		srv := demotest.Start(t, flaws)
		u, _ := url.Parse(srv.HTTPSURL)
		out := filepath.Join(t.TempDir(), "testssl.json")
		cmd := exec.Command(bin, "--protocols", "--quiet", "--warnings", "off", "--jsonfile", out, u.Host)
		cmd.Env = append(os.Environ(), "TERM=dumb")
		cmd.Run() // testssl.sh exits non-zero when it finds something; the JSON is what counts
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("testssl.sh wrote no JSON: %v", err)
		}
		var findings []struct{ ID, Finding string }
		if err := json.Unmarshal(data, &findings); err != nil {
			t.Fatal(err)
		}
		theirs := map[string]bool{}
		for _, f := range findings {
			if name, ok := names[f.ID]; ok {
				theirs[name] = strings.HasPrefix(f.Finding, "offered")
			}
		}
		target := demotest.Target(t, flaws)
		res := versionsOf(t.Context(), target, target.App.Hostname(), target.App.Port())
		ev := res.Evidence[0].Excerpt
		for name, offered := range theirs {
			ours := strings.Contains(ev, name+": accepted")
			if ours != offered {
				t.Errorf("%s: testssl.sh says offered=%v, launchready says accepted=%v\n%s", name, offered, ours, ev)
			}
		}
		if len(theirs) != 4 {
			t.Errorf("testssl.sh reported %d of the 4 protocols", len(theirs))
		}
	}
}
