package email

import (
	"fmt"
	"strings"
)

// tagList is a DKIM/DMARC tag=value list (RFC 6376 3.2): tags separated by ';', whitespace around them ignored.
type tagList struct {
	Tags   map[string]string
	Order  []string
	Errors []string // one line per malformed or repeated tag
}

func parseTags(s string) tagList {
	tl := tagList{Tags: map[string]string{}}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			tl.Errors = append(tl.Errors, fmt.Sprintf("%q is not tag=value", part))
			continue
		}
		key := strings.ToLower(name)
		if _, dup := tl.Tags[key]; dup {
			tl.Errors = append(tl.Errors, fmt.Sprintf("tag %s appears twice", name))
			continue
		}
		tl.Tags[key] = strings.TrimSpace(value)
		tl.Order = append(tl.Order, key)
	}
	return tl
}
