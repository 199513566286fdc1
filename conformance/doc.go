// Package conformance is the vocabulary every part of rcconform shares: the
// levels of a check, the documented feature versions, Rocket.Chat release
// ranges, the metadata and evidence of a check, recorded exchanges and the
// error of a run that could not happen. It imports nothing heavy, so that
// reports and offline verification stay small.
package conformance
