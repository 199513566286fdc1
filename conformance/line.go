package conformance

import "fmt"

// Release sets the catalogue is written against. Rocket.Chat's behaviour
// behind dm.create changed twice in ways the checks see: its REST router
// was replaced during 7.x, and by 8.6.1 dm.create had moved to a typed route
// that no longer looks names up. The sources establish 6.x (upstream release
// commits) and 8.6.1 (an import of its source); they do not establish which
// 7.x release changed what, nor whether 8.0.0 to 8.6.0 ran the typed route.
var (
	// Line6 is 6.x: the Restivus router and the legacy dm.create route.
	Line6 = Between("6.0.0", "7.0.0")
	// Line8 is 8.x: the new HTTP router.
	Line8 = Between("8.0.0", "9.0.0")
	// Supported are the lines the harness certifies compat behaviour for.
	Supported = Line6.Or(Line8)
)

// Line is a release line the harness knows: the releases that share the
// behaviour the checks look at.
type Line struct {
	Name     string
	Releases Releases
	Note     string
}

// Lines lists the known lines, oldest first.
var Lines = []Line{
	{Name: "6.x", Releases: Line6,
		Note: "Restivus router: the 401 body is {status, message}; a strict JSON body parser answers broken JSON with its own 400 page before authentication; dm.create looks each name up ignoring case and refuses unknown ones"},
	{Name: "7.x", Releases: Between("7.0.0", "8.0.0"),
		Note: "the router was replaced during 7.x at releases the sources cannot establish, so only the expectations that hold for every release they show apply"},
	{Name: "8.x", Releases: Line8,
		Note: "new HTTP router: the 401 body is {success, error, status, message}; broken JSON is read as {} after authentication; dm.create's name handling is established only from 8.6.1 on, so only what both of its routes share is expected"},
}

// NewestRelease is the newest release whose source the catalogue was checked
// against; a run assumes it when the target reports no usable version.
const NewestRelease = "8.6.1"

// LineOf returns the known line of rel, if any.
func LineOf(rel Release) (Line, bool) {
	for _, l := range Lines {
		if l.Releases.Contains(rel) {
			return l, true
		}
	}
	return Line{}, false
}

// ResolveRelease decides which release a run certifies against: the one
// given (how says by what, e.g. "--rc-version"), else the one the target
// reports, else the newest the catalogue knows. It returns the release and
// a sentence saying how it was determined; an unusable given version is an
// error.
func ResolveRelease(given, how, reported string) (Release, string, error) {
	if given != "" {
		rel, err := ParseRelease(given)
		if err != nil {
			return Release{}, "", fmt.Errorf("%s %q is not a release such as 6.14.0", how, given)
		}
		return rel, "given with " + how, nil
	}
	if rel, err := ParseRelease(reported); err == nil {
		return rel, "reported by GET /api/info", nil
	}
	why := "the target reported no version"
	if reported != "" {
		why = fmt.Sprintf("the target reported the version %q, which is no release number", reported)
	}
	return MustRelease(NewestRelease), fmt.Sprintf("assumed: %s, so the newest release the catalogue knows (%s) is used; pass --rc-version to choose", why, NewestRelease), nil
}

// Describe names rel's line and what it means for the run, in a sentence.
func Describe(rel Release) string {
	l, ok := LineOf(rel)
	switch {
	case !ok && rel.Compare(MustRelease("6.0.0")) < 0:
		return fmt.Sprintf("%s is older than the oldest line the harness knows (6.x); only the expectations that hold for every release run", rel)
	case !ok:
		return fmt.Sprintf("%s is newer than the newest line the harness knows (8.x); only the expectations that hold for every release run", rel)
	case !Supported.Contains(rel):
		return fmt.Sprintf("%s is on the %s line, which the harness does not certify: %s", rel, l.Name, l.Note)
	}
	return fmt.Sprintf("%s is on the %s line: %s", rel, l.Name, l.Note)
}
