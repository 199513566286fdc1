package detection

import (
	"net/http"
	"strings"

	"github.com/rcconform/rcconform/conformance"
)

// Rocket.Chat started with TEST_MODE=true adds the error's stack trace to
// every 400 body (API.v1.failure). That says nothing about dm.create, so a
// server doing it must pass; a server that does it and also changes the
// answer must still be caught.
func testModeMutants() []mutant {
	return []mutant{
		{
			Name:        "test-mode-stack",
			Description: `a server in TEST_MODE: every 400 JSON body carries the error's stack trace as "stack"`,
			EveryLine:   true,
			Wrap:        withStack(nil),
			PassesAt:    []conformance.Level{conformance.Compat, conformance.Recommended},
		},
		{
			Name:        "test-mode-stack-invalid-user-errortype",
			Description: "a server in TEST_MODE whose Invalid User answer has errorType error-user-not-found",
			Needs:       []conformance.Cond{conformance.Is(conformance.DimNames, conformance.Lookup)},
			Wrap: withStack(func(m map[string]any) {
				if str(m["errorType"]) == "error-invalid-user" {
					m["errorType"] = "error-user-not-found"
				}
			}),
			MustFail:   []string{"USER-UNKNOWN", "USER-UNKNOWN-IN-LIST", "USER-UNTRIMMED"},
			MessageHas: "Invalid User",
		},
		{
			Name:        "test-mode-stack-empty-name-errortype",
			Description: `a server in TEST_MODE whose "invalid username" answer gains an errorType`,
			Needs:       []conformance.Cond{conformance.Is(conformance.DimEmptyName, conformance.InvalidName)},
			Wrap: withStack(func(m map[string]any) {
				if str(m["error"]) == "invalid username" {
					m["errorType"] = "error-invalid-username"
				}
			}),
			MustFail:   []string{"USER-EMPTY", "USER-EMPTY-ITEM", "USER-BLANK-ITEMS", "PARAMS-COERCE-NULL-EMPTY"},
			MessageHas: "no errorType",
		},
		{
			Name:        "test-mode-stack-not-allowed-method",
			Description: "a server in TEST_MODE whose error-not-allowed answer names another method in details",
			Wrap: withStack(func(m map[string]any) {
				if str(m["errorType"]) == "error-not-allowed" {
					m["details"] = map[string]any{"method": "createDirectRoom"}
				}
			}),
			MustFail:   []string{"SEM-GUEST-NOT-ALLOWED"},
			MessageHas: "error-not-allowed",
		},
		{
			Name:        "test-mode-stack-max-users-text",
			Description: "a server in TEST_MODE whose member-limit error does not end with the error code in brackets",
			Wrap: withStack(func(m map[string]any) {
				e := str(m["error"])
				if i := strings.Index(e, " [error-direct-message-max-user-exceeded]"); i > 0 {
					m["error"] = e[:i]
				} else if e == maxUsersPlainErr {
					m["error"] = "Error: " + e
				}
			}),
			MustFail:   []string{"SEM-MAX-USERS-EXCEEDED", "SEM-MAX-USERS-DUPLICATES", "SEM-MAX-USERS-EXCLUDESELF-OVER"},
			MessageHas: "limit",
		},
		{
			Name:        "test-mode-stack-not-string",
			Description: "a server whose stack trace is an array of frames rather than the string TEST_MODE sends",
			Wrap: onAnswer(func(_ *call, a *answer) {
				if m := a.object(); a.Status == http.StatusBadRequest && m != nil {
					m["stack"] = []any{"Error: x", "    at createDirectMessage (server/methods/createDirectMessage.ts:62:11)"}
					a.setObject(m)
				}
			}),
			MustFail:   []string{"SEM-GUEST-NOT-ALLOWED", "PARAMS-MISSING"},
			MessageHas: `"stack" must be string`,
		},
	}
}

// withStack adds a stack trace to every 400 JSON answer, after change (if
// any) rewrote its body. The trace depends on the error alone, as a real
// one does: dm.create and im.create throw from the same code.
func withStack(change func(m map[string]any)) wrapper {
	return onAnswer(func(_ *call, a *answer) {
		m := a.object()
		if a.Status != http.StatusBadRequest || m == nil {
			return
		}
		if change != nil {
			change(m)
		}
		name := str(m["errorType"])
		if name == "" {
			name = "Error"
		}
		m["stack"] = name + ": " + str(m["error"]) + "\n    at Object.createDirectMessage (server/methods/createDirectMessage.ts:62:11)\n    at processTicksAndRejections (node:internal/process/task_queues:95:5)"
		a.setObject(m)
	})
}
