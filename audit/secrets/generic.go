package secrets

import (
	"bytes"
	"math"
	"path"
	"regexp"
	"strings"
)

// Generic rules (gitleaks' generic-api-key and its kind) match any long value after a word like "key" or "token":
// in minified code that is mostly code (this.authStore=new …, a keyboard-shortcut label). Provider rules decide;
// a generic match counts only when it has the shape of a credential, and then it is a warning to verify, never a
// critical fail on its own.

// minGenericBits is the Shannon entropy, in bits per character, a generic match needs: random keys of 16+
// characters score 3.5 to 6; words, identifiers and repeated characters score less.
const minGenericBits = 3.5

// minGenericLen is the shortest generic match that counts.
const minGenericLen = 16

// isGeneric reports whether a rule is a keyword-and-entropy rule rather than a provider's format.
func isGeneric(rule string) bool { return strings.HasPrefix(rule, "generic") }

var (
	// keyName is a key-like name right before the assignment: apiKey: "…", SECRET_TOKEN = '…', "password": "…".
	keyName = regexp.MustCompile(`(?i)(?:key|secret|token|passw(?:or)?d|pwd|credential|creds|auth)[\w-]*["']?\s*(?:=|:|:=|=>)\s*$`)
	// codeShape is what code has and credentials do not.
	codeShape = regexp.MustCompile(`[.()\s,;{}\[\]<>$]|new\b|this\b|=[^=]|function|return`)
)

// credentialShape says why a generic match is not a credential ("" when it looks like one): it must be a quoted
// string literal assigned to a key-like name, random enough, with no code inside and no public pattern.
func credentialShape(secret, match, line string) string {
	switch {
	case len(secret) < minGenericLen:
		return "too short"
	case codeShape.MatchString(strings.TrimRight(secret, "=")):
		return "code, not a value"
	case !strings.ContainsAny(secret, "0123456789") || strings.IndexFunc(secret, isLetter) < 0:
		return "a word or a number, not a key"
	case sequence(secret):
		return "an alphabet or a counting sequence"
	case entropy(secret) < minGenericBits:
		return "not random enough"
	case isPublic(secret):
		return "a public-by-design key"
	}
	quoted := false
	for _, q := range []string{`"`, `'`, "`"} {
		if i := strings.Index(line, q+secret+q); i >= 0 {
			quoted = true
			if keyName.MatchString(line[max(0, i-60):i]) {
				return ""
			}
		}
	}
	if !quoted {
		return "not a quoted string literal"
	}
	return "not assigned to a key-like name"
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
	}
	var h float64
	n := float64(len([]rune(s)))
	for _, c := range counts {
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}

// sequence reports a run of 6 characters counting up by one (ABCDEF, 012345, abcdef): an encoding's alphabet.
func sequence(s string) bool {
	run := 1
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1]+1 {
			if run++; run >= 6 {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

func isPublic(s string) bool {
	for _, p := range publicKeys {
		if p.Re.MatchString(s) {
			return true
		}
	}
	return false
}

var (
	// banner is a licence banner at the top of a file: /*! … | MIT */, @license, a copyright line.
	banner = regexp.MustCompile(`(?is)^\s*(?:"use strict";?\s*)?/[*/]!?.{0,600}?(?:@license|\blicen[cs]ed?\b|\bMIT\b|\bBSD\b|Apache|\(c\)|copyright)`)
	// vendorPath is a path bundlers and CDNs give library code.
	vendorPath = regexp.MustCompile(`(?i)(?:^|/)(?:node_modules|vendors?|chunk-vendors|vendors~[\w~.-]*|framework|polyfills?|npm|lib|libs|third[_-]?party|cdn)(?:[/.-]|$)`)
	// libraryNames are the file names of the open-source bundles founders ship most.
	libraryNames       = regexp.MustCompile(`(?i)^(?:react(?:-dom)?|vue|angular|svelte|preact|jquery|lodash|underscore|moment|dayjs|chart|axios|three|d3|leaflet|mapbox-gl|bootstrap|popper|firebase(?:-[a-z]+)*|supabase(?:-js)?|pocketbase|stripe(?:-js)?|sentry(?:-browser)?|bundle\.tracing|monaco(?:-editor)?|codemirror|editor\.main|highlight|prism|marked|dompurify|socket\.io|pusher|ably|zod|rxjs|immer|redux|htmx|alpine|turbo|stimulus|hotwired|swiper|gsap|anime|quill|tiptap|prosemirror|pdf|xlsx|mathjax|katex|tinymce|ckeditor)(?:[.@-][\w.@-]*)?\.(?:m?js|js\.map)$`)
	mappingFromModules = regexp.MustCompile(`sourceMappingURL=[^\s'"]*node_modules`)
)

// Library says why a downloaded file is a known open-source bundle ("" when it is not): a licence banner at its
// top, a source map in node_modules, a vendor path or a library's file name. Library files are still scanned with
// the provider rules; generic matches in them are dropped.
func Library(where string, content []byte) string {
	head := content[:min(len(content), 1024)]
	tail := content[max(0, len(content)-512):]
	p := where
	if i := strings.Index(p, "://"); i >= 0 {
		if j := strings.IndexByte(p[i+3:], '/'); j >= 0 {
			p = p[i+3+j:]
		}
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	switch {
	case banner.Match(head):
		return "its licence banner (" + firstLine(head) + ")"
	case mappingFromModules.Match(tail):
		return "its source map comes from node_modules"
	case vendorPath.MatchString(path.Dir(p)) || strings.Contains(path.Base(p), "vendor"):
		return "it is served from a vendor path (" + p + ")"
	case libraryNames.MatchString(path.Base(p)):
		return "its file name (" + path.Base(p) + ")"
	}
	return ""
}

func firstLine(b []byte) string {
	b = bytes.TrimSpace(b)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return trimTo(string(b), 80)
}
