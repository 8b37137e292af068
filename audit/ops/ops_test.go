package ops

import (
	"context"
	"testing"

	"github.com/launchready/launchready/audit"
)

func TestOpsAnswers(t *testing.T) {
	tests := []struct {
		name  string
		ops   audit.Ops
		check func(context.Context, *audit.Target) audit.Result
		want  audit.Status
	}{
		{"no answer is skipped", audit.Ops{}, Monitoring, audit.Skipped},
		{"monitoring answered", audit.Ops{Monitoring: "Better Stack on /healthz, Sentry"}, Monitoring, audit.Info},
		{"slow rollback", audit.Ops{RollbackMinutes: 45}, Rollback, audit.Warn},
		{"fast rollback", audit.Ops{RollbackMinutes: 5}, Rollback, audit.Info},
		{"mfa gaps", audit.Ops{MFA: []string{"hosting", "git"}}, MFA, audit.Warn},
		{"mfa everywhere", audit.Ops{MFA: []string{"hosting", "DNS", "git", "email", "database", "admin"}}, MFA, audit.Info},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := audit.NewTarget(&audit.Plan{App: "https://127.0.0.1/", Ops: tt.ops}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.check(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}
