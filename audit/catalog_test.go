package audit

import (
	"regexp"
	"strings"
	"testing"
)

func TestCatalogIsWellFormed(t *testing.T) {
	id := regexp.MustCompile(`^[a-z]+\.[a-z0-9-]+$`)
	seen := map[string]bool{}
	for _, e := range Catalog {
		if !id.MatchString(e.ID) || seen[e.ID] {
			t.Errorf("bad or duplicate ID %q", e.ID)
		}
		seen[e.ID] = true
		if AreaTitle(e.Area) == e.Area {
			t.Errorf("%s: unknown area %q", e.ID, e.Area)
		}
		if e.ID[:len(e.Area)] != e.Area {
			t.Errorf("%s is filed under area %s", e.ID, e.Area)
		}
		if e.Title == "" || e.Fix == "" {
			t.Errorf("%s: needs a title and a fix", e.ID)
		}
	}
	if len(Catalog) != 63 {
		t.Errorf("catalog has %d checks; checks.md lists 63", len(Catalog))
	}
}

// Every check of the catalog says why it matters, and no reason names a check that does not exist.
func TestEveryCheckSaysWhy(t *testing.T) {
	for _, e := range Catalog {
		if w := Why(e.ID); len(w) < 30 || !strings.HasSuffix(w, ".") {
			t.Errorf("%s: why %q, want one full sentence", e.ID, w)
		}
	}
	for id := range whyItMatters {
		if _, ok := Lookup(id); !ok {
			t.Errorf("why names %s, which is not in the catalog", id)
		}
	}
}
