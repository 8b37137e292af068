package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ and the report excerpt in the README")

// volatile are the parts of a demo report that change from run to run: the ports the demo listens on, the
// random secrets it plants (shown redacted, their ends differ), commit hashes, temporary paths, timings, dates.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(demo\.test|127\.0\.0\.1|localhost):\d{2,5}`), "${1}:PORT"},
	{regexp.MustCompile(`\+lr-([a-z\-]+)-[a-z2-7]{8}@`), "+lr-${1}-RAND@"}, // the flows' fresh addresses
	{regexp.MustCompile(`lrxss\d+`), "lrxssN"},
	{regexp.MustCompile(`\b\d+ bytes\b`), "N bytes"},                          // a signed mail's size (its date, its signature)                                // the stored-XSS marker
	{regexp.MustCompile(`\b\d+ (pages, scripts and JSON documents)`), "N $1"}, // what the walk saw, by timing
	{regexp.MustCompile(`p=MII[A-Za-z0-9+/=]+`), "p=DKIMKEY"},                 // the demo's signing key, made per run
	{regexp.MustCompile(`[A-Za-z0-9_\-+/=]{1,4}…[A-Za-z0-9_\-+/=]{1,4}`), "SECRET…"},
	{regexp.MustCompile(`\b[0-9a-f]{10,40}\b`), "HASH"},
	{regexp.MustCompile(`/tmp/[\w.\-/]+`), "TMPDIR"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?( UTC|Z)?`), "TIME"},
	{regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`), "DATE"},                    // the demo's certificates are made per run
	{regexp.MustCompile(`\b(\d+m)?\d+(\.\d+)?\s?(ns|µs|ms|s|m)\b`), "DUR"}, // "1m47.5s" on a slow machine too; a lifetime "1h0m0s" stays
	{regexp.MustCompile(`DUR–DUR`), "DUR"},                                 // a span whose ends round alike is written as one figure (two loads 4.58s and 4.58s)
	{regexp.MustCompile(`\b\d+ (requests|HTTP requests|browser requests|DNS queries)\b`), "N $1"},
	{regexp.MustCompile(`(HTTP requests sent|DNS queries): \d+`), "$1: N"},
	{regexp.MustCompile(`\bp95 \S+`), "p95 DUR"},
	// A limit over a time window: an earlier post of the audit may or may not still count, by the machine's speed
	// (the ratelimit package's tests assert exact thresholds).
	{regexp.MustCompile(`limited after \d+ attempts`), "limited after N attempts"},
	{regexp.MustCompile(`\b\d+ (accepted, 1 refused by a limit|canary posts created)`), "N $1"}, // how many got in before the limit, by timing
	{regexp.MustCompile(`\b\d+ attempts in DUR: [\d ]+`), "N attempts in DUR: STATUSES"},
	{regexp.MustCompile(`(the app's own API calls\)): \d+`), "$1: N"},
	// The users an admin route lists: the accounts the flows make beside the main checks are there or not yet.
	{regexp.MustCompile(`(?m)^( *\{"admin":true,"users":\[).*$`), "${1}USERS"},
	// What each check sent: which of two checks sends a read they share (and the other none) is the race's.
	{regexp.MustCompile(`(?s)(<summary>What each check sent to the app</summary>).*?(</details>)`), "$1\n\nTABLE\n\n$2"},
	// Waits that ran to their limit are pages slow on this machine (the report says so): under CI, with other
	// packages' browsers beside the demo's, a page may be.
	{regexp.MustCompile(`\nWaits on a page that ran to their limit[^\n]*\n\n(- [^\n]*\n)+`), ""},
	// How many error answers the judge read: the flows' refusals count, and how many logins a limit lets through
	// before it answers with its own refusal is the race of the flows beside the main checks.
	{regexp.MustCompile(`\b\d+ error answers seen\b`), "N error answers seen"},
	// Whether the measurements fell in the login timing's rest, or came after it ended, is the machine's timing.
	{regexp.MustCompile(` \(alone, while the [a-z ]+ rested\)`), ""},
	// What a phase sent: the browser's requests vary with timing.
	{regexp.MustCompile(`(?m)^(\| [^|]+ \| (?:DUR \| \d+ \| )?)\d+ \| \d+ \|$`), "${1}N | N |"},
	{regexp.MustCompile(` {2,}`), " "}, // columns aligned to numbers of varying width
}

func normalize(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/launchready -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./cmd/launchready -update if the change is intended):\n%s", name, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first differing line of two texts, with its number.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + "\n want: " + wl + "\n  got: " + gl
		}
	}
	return "(same lines, different bytes)"
}

const (
	excerptStart = "<!-- demo-report:start (generated by go test ./cmd/launchready -update) -->"
	excerptEnd   = "<!-- demo-report:end -->"
)

// reportExcerpt is the head of a markdown report: the verdict, the scorecard and the first item of the fix plan.
func reportExcerpt(md string) string {
	end := strings.Index(md, "\n### 2. ")
	if end < 0 {
		end = strings.Index(md, "\n## Passed")
	}
	if end < 0 {
		end = len(md)
	}
	return strings.TrimRight(md[:end], "\n") + "\n\n…\n"
}

// checkReadmeExcerpt keeps the README's sample report in step with what the flawed demo really produces: the
// excerpt in the README must equal the head of this run's report, up to the run-to-run differences.
func checkReadmeExcerpt(t *testing.T, md string) {
	t.Helper()
	path := filepath.Join("..", "..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	start, end := bytes.Index(readme, []byte(excerptStart)), bytes.Index(readme, []byte(excerptEnd))
	if start < 0 || end < start {
		t.Fatalf("README.md has no %q ... %q block", excerptStart, excerptEnd)
	}
	fence := "````"
	fresh := excerptStart + "\n\n" + fence + "markdown\n" + reportExcerpt(md) + fence + "\n\n"
	current := string(readme[start:end])
	if *update {
		out := append(append(append([]byte{}, readme[:start]...), fresh...), readme[end:]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if normalize(current) != normalize(fresh) {
		t.Errorf("the README's report excerpt is out of date (run go test ./cmd/launchready -update):\n%s", firstDiff(normalize(current), normalize(fresh)))
	}
}
