package audit

import (
	"regexp"
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
