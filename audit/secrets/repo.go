package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/zricethezav/gitleaks/v8/cmd/scm"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/report"
	"github.com/zricethezav/gitleaks/v8/sources"

	"github.com/launchready/launchready/audit"
)

// Repo scans the plan's repository: its working tree and its whole git history (a key deleted in a later commit
// is still in the history, and still valid until rotated).
func Repo(ctx context.Context, t *audit.Target) audit.Result {
	if t.Plan.Repo == "" {
		return audit.NotRun("no repository: set repo: in the plan to the app's git checkout to scan it and its history")
	}
	shared, err := gitleaks()
	if err != nil {
		return audit.Result{Status: audit.Error, Summary: "the secret scanner failed to start: " + err.Error()}
	}
	// A detector of its own: DetectSource returns every finding the detector ever made, not this scan's alone.
	det := detect.NewDetectorContext(ctx, shared.Config)
	root, err := filepath.Abs(t.Plan.Repo)
	if err != nil {
		return audit.Undecided(err.Error())
	}
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return audit.Undecided(fmt.Sprintf("repo: %s is not a folder on this machine", t.Plan.Repo))
	}
	var findings []Finding
	known := t.Probe.Redactor().Known
	collect := func(gs []report.Finding) {
		for _, g := range gs {
			f := classify(g)
			if f.Secret == "" || known(f.Secret) || (f.Generic && credentialShape(f.Secret, f.match, f.Excerpt) != "") {
				continue
			}
			f.Where = g.File
			if g.Commit != "" {
				f.Where = fmt.Sprintf("commit %.10s %s", g.Commit, g.File)
			}
			f.Redacted = Redact(f.Secret)
			f.Excerpt = shorten(strings.ReplaceAll(f.Excerpt, f.Secret, f.Redacted), f.Redacted)
			findings = append(findings, f)
		}
	}
	tree, err := det.DetectSource(ctx, &sources.Files{Config: &det.Config, Path: root, Sema: det.Sema, MaxFileSize: 10 << 20})
	if err != nil {
		return audit.Undecided("scanning the working tree: " + err.Error())
	}
	collect(tree)
	scanned := "the working tree of " + root
	var why []string
	if _, err := os.Stat(filepath.Join(root, ".git")); err == nil {
		if _, err := exec.LookPath("git"); err != nil {
			why = append(why, "git is not installed, so the history was not scanned")
		} else if err := historyReadable(ctx, root); err != nil {
			// gitleaks reads git's log as a stream and takes a failing git for an empty history.
			why = append(why, "the git history could not be read, so it was not scanned: "+err.Error())
		} else {
			cmd, err := sources.NewGitLogCmdContext(ctx, root, "--all")
			if err == nil {
				var hist []report.Finding
				// NoPlatform: findings are not turned into links to a code host (that would need the network).
				hist, err = det.DetectSource(ctx, &sources.Git{Cmd: cmd, Config: &det.Config, Sema: det.Sema,
					Remote: &sources.RemoteInfo{Platform: scm.NoPlatform}})
				collect(hist)
			}
			if err != nil {
				why = append(why, "the git history could not be read: "+err.Error())
			} else {
				scanned += " and its whole git history"
			}
		}
	} else {
		why = append(why, "not a git checkout, so there is no history to scan")
	}
	return judgeFindings(dedupe(findings), scanned, why, "rotate it, then purge it from the history (git filter-repo)")
}

// historyReadable asks git for every object of every ref, as the scan's log will need them: a checkout git refuses
// (another user's, "dubious ownership") or a missing object fails here, with git's own words.
func historyReadable(ctx context.Context, root string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", root, "rev-list", "--all", "--objects")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if first, _, _ := strings.Cut(msg, "\n"); first != "" {
			msg = first
		} else {
			msg = err.Error()
		}
		if strings.Contains(msg, "dubious ownership") {
			msg += " (run the audit as the checkout's owner, or add it to git's safe.directory)"
		}
		return errors.New(msg)
	}
	return nil
}

// dedupe keeps one finding per secret, preferring the one that names a commit.
func dedupe(fs []Finding) []Finding {
	best := map[string]int{}
	var out []Finding
	for _, f := range fs {
		if i, ok := best[f.Secret]; ok {
			if strings.HasPrefix(f.Where, "commit ") && !strings.HasPrefix(out[i].Where, "commit ") {
				out[i] = f
			}
			continue
		}
		best[f.Secret] = len(out)
		out = append(out, f)
	}
	return out
}

// logPatterns catch what logs leak besides keys: reset and invite links, credentials in headers and URLs.
var logPatterns = []ourRule{
	{"reset-link", "password reset, invite or magic link with its token", regexp.MustCompile(`(?i)https?://\S*(?:reset|password|invite|verify|magic|confirm)\S*[?&/](?:token|code|key|t)[=/]([A-Za-z0-9._\-]{16,})`), nil, audit.High,
		[]string{"sent https://app.test/reset?token=abcdefghijklmnop1234 to a@b"}, []string{"GET /reset 200"}},
	{"authorization-header", "Authorization header", regexp.MustCompile(`(?i)authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+([A-Za-z0-9._~+/=\-]{8,})`), nil, audit.High,
		[]string{`headers: {"authorization": "Bearer abcdef123456"}`}, []string{"authorization failed for user"}},
	{"password-in-url", "password in a URL or form body", regexp.MustCompile(`(?i)[?&](?:password|passwd|pwd|pass)=([^&\s"']{3,})`), nil, audit.High,
		[]string{"POST /login?email=a@b&password=hunter22"}, []string{"GET /password-reset"}},
	{"password-field", "password logged as a field", regexp.MustCompile(`(?i)["']?password["']?\s*[:=]\s*["']([^"']{3,})["']`), nil, audit.High,
		[]string{`{"email":"a@b","password":"hunter22"}`}, []string{`"password": ""`}},
}

// Logs scans the plan's log files for secrets, tokens, reset links and credentials.
func Logs(ctx context.Context, t *audit.Target) audit.Result {
	if len(t.Plan.Logs) == 0 {
		return audit.NotRun("no log files: list them under logs: in the plan to scan them")
	}
	var findings []Finding
	var why []string
	unread := 0
	known := t.Probe.Redactor().Known
	for _, path := range t.Plan.Logs {
		data, size, err := readTail(path, logCap)
		if err != nil {
			why = append(why, err.Error())
			unread++
			continue
		}
		where := path
		if size > logCap {
			part := "last" // the newest lines
			if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
				part = "first"
			}
			why = append(why, fmt.Sprintf("log %s is over %s: only its %s %s were scanned (point logs: at a smaller excerpt, or rotate the log)", path, sizeText(logCap), part, sizeText(logCap)))
			where = fmt.Sprintf("%s (its part scanned, from its first full line)", path) // line numbers count from there
		}
		for _, r := range logPatterns {
			for _, m := range r.Re.FindAllSubmatchIndex(data, 20) {
				secret := firstGroup(data, m)
				if known(secret) {
					continue
				}
				line := 1 + strings.Count(string(data[:m[0]]), "\n")
				text := lineAt(data, m[0])
				findings = append(findings, Finding{Rule: r.ID, What: r.What, Where: where, Line: line, Secret: secret, Redacted: Redact(secret),
					Excerpt: shorten(strings.ReplaceAll(text, secret, Redact(secret)), Redact(secret)), Severity: r.Severity})
			}
		}
		// Then every other kind of secret; dedupe keeps the log rule's name for a secret both found.
		fs, err := Scan(where, data, known)
		if err != nil {
			return audit.Result{Status: audit.Error, Summary: "the secret scanner failed to start: " + err.Error()}
		}
		findings = append(findings, fs...)
	}
	if len(findings) == 0 && unread == len(t.Plan.Logs) {
		return audit.Undecided("no log file could be read: " + strings.Join(why, "; "))
	}
	return judgeFindings(dedupe(findings), fmt.Sprintf("%d log file(s)", len(t.Plan.Logs)-unread), why, "expire or rotate it, and stop the logger from writing it")
}

func lineAt(data []byte, off int) string {
	start := strings.LastIndexByte(string(data[:off]), '\n') + 1
	end := off + strings.IndexByte(string(data[off:]), '\n')
	if end < off {
		end = len(data)
	}
	return string(data[start:end])
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// logCap is how much of one log file is scanned: the newest part of a larger one.
var logCap int64 = 64 << 20

// readTail reads the last n bytes of a file, from the start of a line, and reports how big the file is: a log can
// be huge, and its newest lines are the ones the app writes today.
func readTail(path string, n int64) (data []byte, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("log %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("log %s: %w", path, err)
	}
	if !st.Mode().IsRegular() { // a pipe, a process substitution: read from its start, as far as n
		if data, err = io.ReadAll(io.LimitReader(f, n+1)); err != nil {
			return nil, 0, fmt.Errorf("log %s: %w", path, err)
		}
		return data[:min(int64(len(data)), n)], int64(len(data)), nil
	}
	from := max(0, st.Size()-n)
	if data, err = io.ReadAll(io.NewSectionReader(f, from, n)); err != nil {
		return nil, 0, fmt.Errorf("log %s: %w", path, err)
	}
	if from > 0 {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return data, st.Size(), nil
}
