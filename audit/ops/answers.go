package ops

import (
	"context"
	"fmt"
	"strings"

	"github.com/launchready/launchready/audit"
)

const selfReported = "self-reported: "

// notAnswered is the result when the plan holds no answer.
func notAnswered(key string) audit.Result {
	return audit.NotRun("not answered: answer in the wizard or the plan's ops: section (ops." + key + ")")
}

// text reports a free-text answer as self-reported info.
func text(key, answer string) audit.Result {
	if strings.TrimSpace(answer) == "" {
		return notAnswered(key)
	}
	return audit.Informed(selfReported+answer, audit.Note("answer in the plan (ops."+key+")", answer))
}

func Monitoring(_ context.Context, t *audit.Target) audit.Result {
	return text("monitoring", t.Plan.Ops.Monitoring)
}

func SecretsSeparation(_ context.Context, t *audit.Target) audit.Result {
	return text("secrets_separation", t.Plan.Ops.SecretsSeparation)
}

func Backups(_ context.Context, t *audit.Target) audit.Result {
	return text("backups", t.Plan.Ops.Backups)
}

// Rollback compares the self-reported rollback time with the checklist's ten minutes.
func Rollback(_ context.Context, t *audit.Target) audit.Result {
	m := t.Plan.Ops.RollbackMinutes
	if m <= 0 {
		return notAnswered("rollback_minutes")
	}
	ev := audit.Note("answer in the plan (ops.rollback_minutes)", fmt.Sprint(m))
	if m > 10 {
		return audit.Warned(audit.Medium, fmt.Sprintf(selfReported+"a rollback takes %d minutes; the checklist asks for under 10", m), ev)
	}
	return audit.Informed(fmt.Sprintf(selfReported+"a rollback takes %d minutes", m), ev)
}

// MFA lists which of the checklist's accounts the team says have MFA, and which are missing.
func MFA(_ context.Context, t *audit.Target) audit.Result {
	have := map[string]bool{}
	for _, p := range t.Plan.Ops.MFA {
		have[strings.ToLower(strings.TrimSpace(p))] = true
	}
	if len(have) == 0 {
		return notAnswered("mfa")
	}
	var missing []string
	for _, p := range audit.MFAPlaces {
		if !have[p] {
			missing = append(missing, p)
		}
	}
	ev := audit.Note("answer in the plan (ops.mfa)", strings.Join(t.Plan.Ops.MFA, ", "))
	if len(missing) > 0 {
		return audit.Warned(audit.High, selfReported+"no MFA on "+strings.Join(missing, ", "), ev)
	}
	return audit.Informed(selfReported+"MFA on hosting, DNS, git, email, database and admin", ev)
}
