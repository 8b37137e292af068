package auth

import (
	"fmt"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/inbox"
)

// tokenFacts is what a flow learned about an emailed token.
type tokenFacts struct {
	Kind      string // reset, invite
	Link      string
	Token     token
	Mail      *inbox.Message
	Reused    *bool // nil: the second use could not be tried
	ReuseSaid string
	MaxLife   time.Duration
	Problems  []string // found by the flow itself (the page exposes it, a duplicate membership)
	Untested  []string // what could not be tried, which keeps a token with no problem from passing
	Evidence  []audit.Evidence
}

// judgeToken fails a token on any problem: reusable, long-lived, guessable, or exposed. It passes only when the
// second use was tried and refused and the token is strong; a lifetime the mail does not state is said so.
func judgeToken(f tokenFacts) audit.Result {
	problems := f.Problems
	ev := []audit.Evidence{audit.Note("the "+f.Kind+" link", describeLink(f.Link, f.Token))}
	if f.Token.value == "" {
		problems = append(problems, "the link carries no token the tool could find")
	} else if f.Token.Built != "" {
		problems = append(problems, "the token is not random: it is "+f.Token.Built+"; whoever learns how it is made can make one for any account")
	} else if f.Token.Bits < minTokenBits {
		problems = append(problems, fmt.Sprintf("the token has about %.0f bits (%d %s), under %d: it can be guessed", f.Token.Bits, f.Token.Length, f.Token.Alphabet, minTokenBits))
	}
	if f.Reused != nil {
		ev = append(ev, audit.Note("the link used a second time", f.ReuseSaid))
		if *f.Reused {
			problems = append(problems, "the link works a second time")
		}
	}
	life := "the mail does not say how long the link works (the tool does not wait to find out)"
	var tooLong string // a stated lifetime over the bound: a weakness, not a hole
	if f.Mail != nil {
		switch d, forever, said := lifetimeClaim(f.Mail.Text); {
		case forever:
			life = "the mail says the link does not expire"
			problems = append(problems, "the link does not expire")
		case said && d > f.MaxLife:
			life = "the mail says the link works for " + d.String()
			tooLong = fmt.Sprintf("the link works for %s, longer than %s", d, f.MaxLife)
		case said:
			life = "the mail says the link works for " + d.String()
		}
	}
	ev = append(ev, audit.Note("lifetime", life))
	ev = append(ev, f.Evidence...)
	if len(problems) > 0 {
		if tooLong != "" {
			problems = append(problems, tooLong)
		}
		summary := problems[0]
		if len(problems) > 1 {
			summary += "; also: " + strings.Join(problems[1:], "; ")
		}
		return audit.Failed(0, "the "+f.Kind+" link is not safe: "+summary, ev...)
	}
	if f.Reused == nil {
		why := "its second use could not be tried"
		if f.ReuseSaid != "" {
			why = "its second use could not be judged: " + f.ReuseSaid
		}
		f.Untested = append([]string{why}, f.Untested...)
	}
	if tooLong != "" { // a weakness seen, whatever could not be tried beside it
		summary := "the " + f.Kind + " link works once, but " + tooLong
		if f.Reused == nil {
			summary = "the " + f.Kind + " link: " + tooLong
		}
		summary += ": shorten it, a link left in a mailbox is a way in for that long"
		if len(f.Untested) > 0 {
			summary += "; not judged: " + strings.Join(f.Untested, "; ")
		}
		return audit.Warned(audit.Medium, summary, ev...)
	}
	if len(f.Untested) > 0 {
		return audit.Undecided("no problem found with the "+f.Kind+" token, but "+strings.Join(f.Untested, "; "), ev...)
	}
	return audit.Passed(fmt.Sprintf("the %s link works once and carries about %.0f bits; %s", f.Kind, f.Token.Bits, life), ev...)
}
