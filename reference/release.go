package reference

import (
	"fmt"
	"strings"

	"github.com/rcconform/rcconform/conformance"
)

// release is what the emulated Rocket.Chat release does where releases
// differ, in everything the conformance checks look at. The reference
// emulates the lines the sources establish: 6.x (upstream release commits)
// and 8.x (read at 8.6.1, and taken to hold for the whole line).
type release struct {
	// trimmedVersion is what GET /api/info tells a caller who may not see
	// statistics: MAJOR.MINOR (getServerInfo's removePatchInfo).
	trimmedVersion string
	// restivus: the 6.x Restivus router. The 401 body is {status, message};
	// JSON bodies are parsed strictly by a global middleware that answers a
	// parse error with its own HTML 400 before any route runs; dm.create is
	// on the legacy route (names looked up one by one, ignoring case,
	// unknown ones refused, 1:1 rids composed of the two user ids). Without
	// it: the 8.x router and its typed dm.create route (401 body with
	// success and error too; the body parsed after authentication; names
	// matched exactly and together, unknown ones left out; generated rids).
	restivus bool
	// emptyNameError: an empty name is refused with the plain
	// Error('invalid username') (6.5.0 on); before, it finds nobody.
	emptyNameError bool
	// maxUsersMessage: the member limit is a Meteor.Error with a message
	// and errorType (6.6.0 on); before, a plain Error named after the code.
	maxUsersMessage bool
}

func newRelease(version string) (release, error) {
	rel, err := conformance.ParseRelease(version)
	if err != nil {
		return release{}, fmt.Errorf("reference: %w", err)
	}
	if !conformance.Supported.Contains(rel) {
		return release{}, fmt.Errorf("reference: it emulates the releases %s, not %s: what 7.x releases do is not established", conformance.Supported, version)
	}
	line6 := conformance.Line6.Contains(rel)
	full := rel.String()
	return release{
		trimmedVersion:  full[:strings.LastIndex(full, ".")],
		restivus:        line6,
		emptyNameError:  !line6 || rel.Compare(conformance.MustRelease("6.5.0")) >= 0,
		maxUsersMessage: !line6 || rel.Compare(conformance.MustRelease("6.6.0")) >= 0,
	}, nil
}
