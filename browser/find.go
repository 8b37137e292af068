package browser

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// ErrNotFound means no Chromium-family browser was found on this machine.
var ErrNotFound = errors.New(`no Chromium or Chrome found: install it (Debian/Ubuntu: "apt-get install chromium"; macOS: install Google Chrome) or set LAUNCHREADY_BROWSER to a Chrome/Chromium binary`)

// pathNames are looked up on PATH, in order.
var pathNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "microsoft-edge", "microsoft-edge-stable", "msedge"}

// installPaths are the usual places a browser lives when it is not on PATH.
var installPaths = map[string][]string{
	"linux": {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/snap/bin/chromium",
		"/opt/google/chrome/chrome", "/opt/microsoft/msedge/msedge"},
	"darwin": {"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
		"/Applications/Chromium.app/Contents/MacOS/Chromium",
		"/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"},
}

// Find returns the browser to drive: $LAUNCHREADY_BROWSER, then a Chromium-family browser on PATH, then the usual
// install paths. rod's own download is never used: it cannot work offline and would pull an unpinned binary.
func Find() (string, error) {
	if p := os.Getenv("LAUNCHREADY_BROWSER"); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("LAUNCHREADY_BROWSER=%s is not a browser binary: %w", p, errors.Join(err, ErrNotFound))
		}
		return p, nil
	}
	for _, name := range pathNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	for _, p := range installPaths[runtime.GOOS] {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// HasDisplay reports whether a visible browser window can be shown: always on macOS and Windows, and on other
// systems when an X11 or Wayland display is set.
func HasDisplay() bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}
