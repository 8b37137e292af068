package probe

import "time"

// journalCap bounds how many error answers are kept, and journalBody how much of each.
const (
	journalCap  = 300
	journalBody = 64 << 10
)

// Exchange is an error answer (status 400 or more) seen during the audit, kept so checks that judge "every error
// response seen" (input.error-leakage) can read them after the other checks ran.
type Exchange struct {
	Method   string
	URL      string
	Status   int
	Body     []byte
	Duration time.Duration
}

func (c *Client) remember(r *Response) {
	if r.Status < 400 {
		return
	}
	body := r.Body
	if len(body) > journalBody {
		body = body[:journalBody]
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.journal) < journalCap {
		c.journal = append(c.journal, Exchange{Method: r.Method, URL: r.URL, Status: r.Status, Body: body, Duration: r.Duration})
	}
}

// Errors returns the error answers seen so far.
func (c *Client) Errors() []Exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Exchange(nil), c.journal...)
}
