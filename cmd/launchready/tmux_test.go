package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/testapps"
)

// tmuxSession runs the real binary in a detached tmux session of the given size, on a tmux server of its own.
type tmuxSession struct {
	t      *testing.T
	socket string
	dir    string
}

func startTmux(t *testing.T, cols, rows string, env []string, args ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set and tmux is missing: .ci/run installs it (apt-get install tmux)")
		}
		t.Skip("needs tmux")
	}
	browsertest.Bin(t) // the demo audit drives the browser: fail in CI without one
	dir := t.TempDir()
	bin := filepath.Join(dir, "launchready")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the binary: %v\n%s", err, out)
	}
	tmp := filepath.Join(dir, "tmp") // the browser's profile lands here: its processes can be found by it
	os.Mkdir(tmp, 0o700)
	s := &tmuxSession{t: t, socket: "lr-" + filepath.Base(dir), dir: dir}
	shell := "cd " + dir + " && env TMPDIR=" + tmp + " " + strings.Join(env, " ") + " " + bin + " " + strings.Join(args, " ") +
		"; echo EXIT=$? > " + filepath.Join(dir, "exit.txt") + "; sleep 600"
	s.tmux("new-session", "-d", "-s", "e2e", "-x", cols, "-y", rows, shell)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", "e2e") }

func (s *tmuxSession) keys(k ...string) {
	s.tmux(append([]string{"send-keys", "-t", "e2e"}, k...)...)
	time.Sleep(150 * time.Millisecond)
}

// waitFor waits until the screen matches, and fails with the screen when it does not in time.
func (s *tmuxSession) waitFor(what string, within time.Duration) string {
	s.t.Helper()
	re := regexp.MustCompile(what)
	deadline := time.Now().Add(within)
	for {
		scr := s.screen()
		if re.MatchString(strings.ReplaceAll(scr, "\n", " ")) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waited %s for %q; the screen:\n%s", within, what, scr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *tmuxSession) exitCode(within time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(s.dir, "exit.txt")); err == nil {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.t.Fatalf("the program did not exit within %s; the screen:\n%s", within, s.screen())
	return ""
}

// The demo audit in the real terminal UI, driven with keystrokes: open a failing check, export, quit. With
// NO_COLOR the screen carries no colour at all.
func TestTUIEndToEnd(t *testing.T) {
	s := startTmux(t, "120", "40", []string{"NO_COLOR=1"}, "demo")
	s.waitFor(`done, \d+ checks`, 3*time.Minute)
	s.waitFor(`Not ready for launch: .* fix these first: secrets\.`, 5*time.Second)
	if colored := s.tmux("capture-pane", "-p", "-e", "-t", "e2e"); regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|38;|9[0-7])[;m]`).MatchString(colored) {
		t.Errorf("NO_COLOR=1, yet the screen has colour escapes:\n%q", colored)
	}
	// At 120×40 the panels list their failing checks with the first step of the fix.
	s.waitFor(`✗ authz\.idor-read · critical .*→ Authorize every object`, 5*time.Second)
	s.keys("Enter") // the first panel: Auth boundaries
	s.waitFor(`authz\.idor-read .*authz\.unauthenticated`, 5*time.Second)
	s.keys("Enter") // its first check, which fails on the flawed demo
	scr := s.waitFor(`authz\.idor-read\s+FAIL.*Evidence.*reproduce: with B's session`, 5*time.Second)
	if strings.Contains(scr, "demo-password") {
		t.Error("a test account's password is on screen")
	}
	// a accepts the finding: a reason, the 30-day default, no name; it is written next to where the demo ran.
	s.keys("a")
	s.waitFor(`Why is this risk accepted\?`, 5*time.Second)
	s.keys("-l", "demo data only")
	s.keys("Enter")
	s.keys("Enter")
	s.keys("Enter")
	s.waitFor(`authz\.idor-read accepted until \d{4}-\d{2}-\d{2} \(in launchready-accept\.yaml\)`, 5*time.Second)
	if b, err := os.ReadFile(filepath.Join(s.dir, "launchready-accept.yaml")); err != nil || !strings.Contains(string(b), "reason: demo data only") {
		t.Errorf("the accept file: %v\n%s", err, b)
	}
	s.keys("Escape")
	s.waitFor(`ACCEPTED\s+authz\.idor-read`, 5*time.Second)
	s.keys("Escape")
	s.keys("e")
	s.waitFor(`reports written: launchready-reports/`, 5*time.Second)
	s.keys("q")
	if code := s.exitCode(30 * time.Second); code != "EXIT=0" {
		t.Errorf("exit %s, want 0", code)
	}
	after := s.screen()
	if !strings.Contains(after, "Not ready for launch") || !strings.Contains(after, "Report written to launchready-reports/") {
		t.Errorf("after the TUI, the terminal lacks the verdict or where the reports are:\n%s", after)
	}
	files, _ := filepath.Glob(filepath.Join(s.dir, "launchready-reports", "launchready-demo-test-*"))
	if len(files) != 3 {
		t.Fatalf("reports %v, want the JSON, markdown and SARIF", files)
	}
	for _, f := range files {
		st, _ := os.Stat(f)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, st.Mode().Perm())
		}
		if strings.HasSuffix(f, ".md") {
			md, _ := os.ReadFile(f)
			if !strings.Contains(string(md), "## Fix plan") || !strings.Contains(string(md), "authz.idor-read") {
				t.Errorf("%s does not hold the fix plan", f)
			}
		}
	}
}

// Quitting mid-audit at 60 columns: the panels stack, q stops the audit, the browser is gone, and the report
// holds what finished with the rest marked.
func TestTUIQuitMidAudit(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set and /proc is missing: this test cannot look for stray browser processes")
		}
		t.Skip("needs /proc to look for stray browser processes")
	}
	s := startTmux(t, "60", "30", nil, "demo")
	scr := s.waitFor(`running`, 2*time.Minute)
	for _, line := range strings.Split(scr, "\n") {
		if strings.Contains(line, "Auth boundaries") && strings.Contains(line, "Session handling") {
			t.Errorf("panels side by side at 60 columns: %q", line)
		}
	}
	profile := filepath.Join(s.dir, "tmp", "launchready-chromium-")
	for deadline := time.Now().Add(60 * time.Second); len(processesWith(profile)) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("cannot see the audit's browser processes, so this test would prove nothing")
		}
	}
	s.keys("q")
	if code := s.exitCode(60 * time.Second); code != "EXIT=130" {
		t.Errorf("exit %s, want 130 (stopped before the end)", code)
	}
	// The browser's helper processes (zygote, renderers) go down with it; give them a moment to be reaped.
	var left []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if left = processesWith(profile); len(left) == 0 {
			break
		}
	}
	for _, pid := range left {
		cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		t.Errorf("browser process %s left after quitting: %.200s", pid, strings.ReplaceAll(string(cmd), "\x00", " "))
	}
	files, _ := filepath.Glob(filepath.Join(s.dir, "launchready-reports", "*.json"))
	if len(files) != 1 {
		t.Fatalf("no partial report written: %v\n%s", files, s.screen())
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "the audit was cancelled") {
		t.Error("the partial report does not mark the checks that did not finish")
	}
}

// login: manual in the real terminal UI: the audit opens the window (kept headless here: nobody can sign in in it)
// and waits with the prompt; enter without signing in asks again and says why; esc gives up, and the checks that
// need A say the sign-in by hand did not finish, while B's still ran.
func TestTUIWaitsForSignInByHand(t *testing.T) {
	app := testapps.SSOApp(t, testapps.Fixed)
	idp, _ := url.Parse(app.IdPURL)
	_, port, _ := net.SplitHostPort(app.IdPAddr)
	plan := fmt.Sprintf(`app: %s
auth_hosts: [%s]
resolve: ["%s:%s:127.0.0.1"]
tls: {insecure: true}
accounts:
  a: {email: %s, login: manual}
  b: {email: %s, password_env: LR_B}
skip: [authz, auth, input, ratelimit, secrets, cors, headers, transport, email, perf, ops]
`, app.URL, idp.Hostname(), idp.Hostname(), port, app.A.Email, app.B.Email)
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, "120", "40", []string{"NO_COLOR=1", "LAUNCHREADY_WINDOW_HEADLESS=1", "LR_B=" + app.B.Password}, "run", "--plan", path)
	s.waitFor(`Sign in by hand .*Sign in as A \(alice@sso\.test\) in the browser window, then press enter`, time.Minute)
	s.keys("Enter") // "done", without signing in
	s.waitFor(`Not signed in yet \(the window is not signed in: it offers to log in`, 30*time.Second)
	s.keys("Escape") // give up
	s.waitFor(`done, \d+ checks`, 2*time.Minute)
	s.keys("q")
	s.exitCode(30 * time.Second)
	files, _ := filepath.Glob(filepath.Join(s.dir, "launchready-reports", "*.json"))
	if len(files) != 1 {
		t.Fatalf("reports %v\n%s", files, s.screen())
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "the sign-in by hand did not finish") {
		t.Errorf("the report does not say A's sign-in by hand did not finish:\n%.2000s", data)
	}
}
