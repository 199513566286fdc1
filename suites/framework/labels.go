package framework

import (
	"strconv"

	. "github.com/onsi/ginkgo/v2"
)

// Levels of a check.
const (
	// Core checks enforce what the dm.create doc page documents.
	Core = "core"
	// Compat checks enforce released Rocket.Chat behaviour clients rely on.
	Compat = "compat"
)

// Feature versions, from the doc page's change log.
const (
	V0590 = "0.59.0" // dm.create with username
	V3010 = "3.1.0"  // usernames
	V3180 = "3.18.0" // excludeSelf
)

// FeatureVersions lists the feature levels in order.
var FeatureVersions = []string{V0590, V3010, V3180}

// Check labels a spec with its stable id, level, feature version and the
// status it expects; reports and filters read them back.
func Check(id, level, since string, status int) Labels {
	return Label("id:"+id, level, "since:"+since, "status:"+strconv.Itoa(status))
}
