//go:build !race

package secrets

import "testing"

// The full corpus is scanned without the race detector: under it, 5 MB of minified code through every rule takes
// minutes and tells nothing more (the scanner's concurrency is raced by the other tests). CI and the README's test
// command run this file in a step of its own: go test -count=1 -run Corpus ./audit/secrets.

// Not one finding in the real bundles of the SDKs founders ship, with every rule we run (gitleaks' defaults and
// ours) — even when a file is not recognised as a library (an app's bundler renames everything): the generic
// rule's matches there must fail the credential-shape test on their own. A new rule that fires on library code
// fails this test.
func TestCorpusHasNoFalseFindings(t *testing.T) {
	for _, f := range corpus(t) {
		t.Run(f.Name, func(t *testing.T) {
			// As an app's own bundle: not recognised as a library, every rule at full strength.
			fs, err := scanAs("https://app.test/assets/index-7f3a9c.js", f.Body, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range fs {
				if !x.Public {
					t.Errorf("%s (%s): %s %q in %q", f.Name, f.Package, x.Rule, x.Redacted, x.Excerpt)
				}
			}
		})
	}
}

// BenchmarkScanCorpus scans every SDK bundle of the corpus (about 6 MB of real minified code) as the check does.
func BenchmarkScanCorpus(b *testing.B) {
	files := corpus(b)
	total := 0
	for _, f := range files {
		total += len(f.Body)
	}
	if _, err := gitleaks(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(total))
	for b.Loop() {
		for _, f := range files {
			if _, err := Scan("https://app.test/assets/"+f.Name, f.Body, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}
