package conformance

import "slices"

// Feature versions, from the change log of the dm.create doc page. A check's
// feature version says which documented key it needs; it is not a server era.
const (
	// V0590 added dm.create (and im.create) with username.
	V0590 = "0.59.0"
	// V3010 added usernames.
	V3010 = "3.1.0"
	// V3180 added excludeSelf.
	V3180 = "3.18.0"
)

// FeatureVersions lists the feature versions in order.
var FeatureVersions = []string{V0590, V3010, V3180}

// LaterFeature reports whether feature version a comes after b.
func LaterFeature(a, b string) bool {
	return slices.Index(FeatureVersions, a) > slices.Index(FeatureVersions, b)
}
