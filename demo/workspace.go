package demo

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// writeLog writes the app's log as it stands after a few days in production: with the logged-secrets flaw it
// recorded reset links and Authorization headers whole; hardened, it masks them.
func (s *Server) writeLog(path string) error {
	day := time.Now().Add(-72 * time.Hour).UTC().Format("2006-01-02")
	token, bearer := randomSecret()+randomSecret(), randomAlnum(40)
	lines := []string{
		day + "T09:12:01Z INFO  server listening on :8443",
		day + "T09:14:22Z INFO  GET /c/acme 200 12ms",
	}
	if s.flaws[FlawLoggedSecrets] {
		lines = append(lines,
			day+"T09:15:03Z INFO  mail sent to alice@acme.demo.test: reset your password at "+s.HTTPSURL+"reset?token="+token,
			day+"T09:15:40Z DEBUG request headers: {\"authorization\": \"Bearer "+bearer+"\", \"accept\": \"application/json\"}")
		s.logSecrets = []string{token, bearer}
	} else {
		lines = append(lines,
			day+"T09:15:03Z INFO  mail sent to a***@acme.demo.test: password reset (token withheld)",
			day+"T09:15:40Z DEBUG request headers: {\"authorization\": \"[filtered]\", \"accept\": \"application/json\"}")
	}
	lines = append(lines, day+"T09:16:10Z INFO  GET /healthz 200 1ms", "")
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600)
}

// writeRepo makes the app's git checkout: with the committed-key flaw a Stripe secret key was committed and then
// moved to the environment in a later commit (still in the history); hardened, it never was committed. Without
// git on the machine it writes the working tree only.
func (s *Server) writeRepo(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o700); err != nil {
		return err
	}
	write := func(name, text string) error { return os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600) }
	git := func(args ...string) error {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=Demo", "-c", "user.email=dev@demo.test", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", args[0], err, out)
		}
		return nil
	}
	if err := write("README.md", "# Community\n\nRun with `npm start`.\n"); err != nil {
		return err
	}
	clean := "const stripe = require('stripe')(process.env.STRIPE_SECRET_KEY);\nmodule.exports = stripe;\n"
	if _, err := exec.LookPath("git"); err != nil {
		return write("src/payments.js", clean)
	}
	if err := git("init", "-q"); err != nil {
		return err
	}
	if s.flaws[FlawCommittedKey] {
		key := "sk_live_" + randomAlnum(24)
		s.repoSecret = key
		if err := write("src/payments.js", "const stripe = require('stripe')('"+key+"');\nmodule.exports = stripe;\n"); err != nil {
			return err
		}
		if err := git("add", "."); err != nil {
			return err
		}
		if err := git("commit", "-q", "-m", "payments"); err != nil {
			return err
		}
	}
	if err := write("src/payments.js", clean); err != nil {
		return err
	}
	if err := git("add", "."); err != nil {
		return err
	}
	return git("commit", "-q", "-m", "read the Stripe key from the environment")
}
