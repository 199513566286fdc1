package dmcreate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rcconform/rcconform/openapi"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// badRequest returns the spec's 400 example of this name as JSON: the wire
// bodies the checks compare with live in the spec, once.
func badRequest(name string) string {
	spec, err := openapi.Load()
	if err != nil {
		panic(fmt.Sprintf("dmcreate: load the embedded spec: %v", err))
	}
	raw, err := spec.Example(fw.DMCreate, 400, name)
	if err != nil {
		panic(fmt.Sprintf("dmcreate: %v", err))
	}
	return string(raw)
}

// missingParameterText is the error text of the doc's "Missing parameter"
// example, with the legacy route's suffix.
func missingParameterText() string {
	var body struct{ Error string }
	if err := json.Unmarshal([]byte(badRequest("Missing parameter")), &body); err != nil || body.Error == "" {
		panic(fmt.Sprintf("dmcreate: the spec's \"Missing parameter\" example has no error text: %v", err))
	}
	return body.Error
}

// invalidUser is the doc's "Invalid User" example.
func invalidUser() string { return badRequest("Invalid User") }

// invalidUsername is released Rocket.Chat's answer (6.5 and later 6.x) for
// an empty name: a plain error without errorType.
func invalidUsername() string { return badRequest("Empty username") }

// notAllowed is the answer to a caller without the create-d permission.
func notAllowed() string { return badRequest("Not allowed") }

// maxUsersExceeded is the answer (6.6 and later) when a DM would hold more
// members than the limit n; the spec's example is for the default 8.
func maxUsersExceeded(n int) string {
	return strings.Replace(badRequest("Too many users"), "more than 8 users", "more than "+strconv.Itoa(n)+" users", 1)
}

// maxUsersPlain is the answer before 6.6: a plain error named after the code.
func maxUsersPlain() string { return badRequest("Too many users (before 6.6)") }
