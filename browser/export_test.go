package browser

import "time"

// What the external tests reach of the settle wait.
var (
	ByIdle   = byIdle
	ByWindow = byWindow
)

func (p *Page) Quiet(since time.Time, window, limit time.Duration) string {
	return string(p.quiet(since, window, limit, false))
}

func (p *Page) Click(fields string) { p.press(true, fields) }

func (p *Page) Navigate(u string) error { return p.rod.Navigate(u) }

// SetLCPLoadLimit sets how long one LCP load may take, and returns the restore.
func SetLCPLoadLimit(d time.Duration) func() {
	old := lcpLoadLimit
	lcpLoadLimit = d
	return func() { lcpLoadLimit = old }
}
