package conformance

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Release is a Rocket.Chat version such as 6.14.0. Pre-release and build
// suffixes are dropped when parsing: 7.0.0-rc.2 is taken as 7.0.0.
type Release struct {
	major, minor, patch int
	set                 bool
}

// ParseRelease reads "MAJOR.MINOR[.PATCH]", with an optional leading "v"
// and an optional "-pre" or "+build" suffix.
func ParseRelease(s string) (Release, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(t, "-+"); i >= 0 {
		t = t[:i]
	}
	parts := strings.Split(t, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Release{}, fmt.Errorf("%q is not a release version such as 6.14.0", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || p != strconv.Itoa(v) {
			return Release{}, fmt.Errorf("%q is not a release version such as 6.14.0", s)
		}
		n[i] = v
	}
	return Release{major: n[0], minor: n[1], patch: n[2], set: true}, nil
}

// MustRelease is ParseRelease for constants; it panics on a bad version.
func MustRelease(s string) Release {
	r, err := ParseRelease(s)
	if err != nil {
		panic(err)
	}
	return r
}

// IsZero reports whether r was never set.
func (r Release) IsZero() bool { return !r.set }

func (r Release) String() string {
	if !r.set {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", r.major, r.minor, r.patch)
}

// Compare returns -1, 0 or +1 as r is before, equal to or after o.
func (r Release) Compare(o Release) int {
	for _, d := range [3]int{r.major - o.major, r.minor - o.minor, r.patch - o.patch} {
		switch {
		case d < 0:
			return -1
		case d > 0:
			return 1
		}
	}
	return 0
}

// Interval is the half-open interval of releases [From, Before); an unset
// bound is open.
type Interval struct {
	From, Before Release
}

// Contains reports whether rel falls inside the interval.
func (iv Interval) Contains(rel Release) bool {
	if !iv.From.IsZero() && rel.Compare(iv.From) < 0 {
		return false
	}
	return iv.Before.IsZero() || rel.Compare(iv.Before) < 0
}

func (iv Interval) String() string {
	var parts []string
	if !iv.From.IsZero() {
		parts = append(parts, ">="+iv.From.String())
	}
	if !iv.Before.IsZero() {
		parts = append(parts, "<"+iv.Before.String())
	}
	return strings.Join(parts, " ")
}

// Releases is the set of Rocket.Chat releases for which an expectation
// holds: a union of intervals, written like npm's semver ranges
// (">=6.0.0 <7.0.0 || >=8.0.0 <9.0.0"). The empty set means every release.
type Releases []Interval

// AllReleases is every release.
var AllReleases = Releases{}

// Between returns the releases in [from, before).
func Between(from, before string) Releases {
	return Releases{{From: MustRelease(from), Before: MustRelease(before)}}
}

// Or is the union of r and o.
func (r Releases) Or(o Releases) Releases { return append(append(Releases{}, r...), o...) }

// Contains reports whether rel is in the set.
func (r Releases) Contains(rel Release) bool {
	if len(r) == 0 {
		return true
	}
	for _, iv := range r {
		if iv.Contains(rel) {
			return true
		}
	}
	return false
}

// Validate reports an interval that is empty or unbounded inside a union.
func (r Releases) Validate() error {
	for _, iv := range r {
		if iv.From.IsZero() && iv.Before.IsZero() {
			return fmt.Errorf("the release range %s has an interval without bounds", r)
		}
		if !iv.From.IsZero() && !iv.Before.IsZero() && iv.From.Compare(iv.Before) >= 0 {
			return fmt.Errorf("the release range %s has an empty interval", r)
		}
	}
	return nil
}

// String writes the set as ">=6.0.0 <7.0.0 || >=8.0.0" or "all releases".
func (r Releases) String() string {
	if len(r) == 0 {
		return "all releases"
	}
	parts := make([]string, len(r))
	for i, iv := range r {
		parts[i] = iv.String()
	}
	return strings.Join(parts, " || ")
}

// ParseReleases reads what String writes.
func ParseReleases(s string) (Releases, error) {
	if strings.TrimSpace(s) == "all releases" {
		return Releases{}, nil
	}
	var out Releases
	for _, part := range strings.Split(s, "||") {
		var iv Interval
		for _, f := range strings.Fields(part) {
			var err error
			switch {
			case strings.HasPrefix(f, ">=") && iv.From.IsZero():
				iv.From, err = ParseRelease(f[2:])
			case strings.HasPrefix(f, "<") && iv.Before.IsZero():
				iv.Before, err = ParseRelease(f[1:])
			default:
				err = fmt.Errorf("unexpected %q", f)
			}
			if err != nil {
				return nil, fmt.Errorf("release range %q: %w", s, err)
			}
		}
		out = append(out, iv)
	}
	return out, out.Validate()
}

// MarshalJSON writes the set as its string.
func (r Releases) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// UnmarshalJSON reads the set from its string.
func (r *Releases) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	parsed, err := ParseReleases(s)
	if err != nil {
		return err
	}
	*r = parsed
	return nil
}
