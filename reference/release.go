package reference

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rcconform/rcconform/conformance"
)

// release is what the emulated Rocket.Chat release does where releases
// differ: the variant it shows along each dimension of the conformance
// model (conformance.Dimensions). Each field holds a variant id of its
// dimension and is emulated on its own, whatever the others are.
type release struct {
	// trimmedVersion is what GET /api/info tells a caller who may not see
	// statistics: MAJOR.MINOR (getServerInfo's removePatchInfo).
	trimmedVersion string
	// line is the name of the release's line.
	line string

	// unauthorized is the router behind the 401 body: Restivus (which
	// also delays 401 and 403 answers when asked to, and puts its CORS
	// headers on every route's answer), the router that replaced it, or
	// that router with the breaking changes applied (also in the login
	// route's failures).
	unauthorized string
	// bodyParser: a strict global parser before authentication, or the
	// route's own parser after it.
	bodyParser string
	// bodyShape: whether the route's parser spreads the parsed body into
	// an object. Only the route's parser shapes bodies: with the strict
	// parser every line keeps them as parsed.
	bodyShape string
	// formBody: whether the route's parser parses form bodies.
	formBody string
	// route: the legacy addRoute route or a typed one; it decides the
	// invalid-params answer and whether the rate limit comes before the
	// body is validated.
	route string
	// names: looked up one by one ignoring case, or matched exactly.
	names string
	// rid: whether a new 1:1 room's id is composed of the two user ids.
	rid string
	// coercion: whether the body schemas coerce scalar types.
	coercion string
	// emptyName: what the look-up does with an empty name (with exact
	// names, an empty one is always dropped).
	emptyName string
	// maxUsers: the error for more members than MaxUsers.
	maxUsers string
}

// fields maps each dimension id to the release's field for it.
func (r *release) fields() map[string]*string {
	return map[string]*string{
		conformance.DimUnauthorized: &r.unauthorized,
		conformance.DimBodyParser:   &r.bodyParser,
		conformance.DimBodyShape:    &r.bodyShape,
		conformance.DimFormBody:     &r.formBody,
		conformance.DimRoute:        &r.route,
		conformance.DimNames:        &r.names,
		conformance.DimRID:          &r.rid,
		conformance.DimCoercion:     &r.coercion,
		conformance.DimEmptyName:    &r.emptyName,
		conformance.DimMaxUsers:     &r.maxUsers,
	}
}

// variants returns the variant of every dimension.
func (r release) variants() map[string]string {
	out := map[string]string{}
	for dim, field := range r.fields() {
		out[dim] = *field
	}
	return out
}

// restivusRouter reports whether the Restivus router serves the API.
func (r release) restivusRouter() bool { return r.unauthorized == conformance.Restivus }

// newRelease resolves version to its line and picks a variant along every
// dimension: the one given in variants, else the line's most likely one
// (the first it allows). It refuses a release outside the lines, an
// unknown dimension or variant, a variant the line excludes and a
// combination that breaks a constraint applying at the release.
func newRelease(version string, variants map[string]string) (release, error) {
	rel, err := conformance.ParseRelease(version)
	if err != nil {
		return release{}, fmt.Errorf("reference: %w", err)
	}
	l, ok := conformance.LineOf(rel)
	if !ok {
		return release{}, fmt.Errorf("reference: %s is on no release line it emulates: the lines are %s (%s)",
			version, strings.Join(lineNames(), ", "), conformance.Known)
	}
	for _, dim := range slices.Sorted(maps.Keys(variants)) {
		v := variants[dim]
		if err := conformance.CheckVariant(dim, v); err != nil {
			return release{}, fmt.Errorf("reference: %w", err)
		}
		if allowed := conformance.Allowed(rel, dim); !slices.Contains(allowed, v) {
			return release{}, fmt.Errorf("reference: %s is on the %s line, which does not allow %s=%s: it allows %s",
				rel, l.Name, dim, v, strings.Join(allowed, ", "))
		}
	}
	full := rel.String()
	r := release{trimmedVersion: full[:strings.LastIndex(full, ".")], line: l.Name}
	for dim, field := range r.fields() {
		v, ok := variants[dim]
		if !ok {
			v = conformance.Allowed(rel, dim)[0] // a committed observation narrows it
		}
		*field = v
	}
	if err := checkConstraints(rel, r.variants(), variants); err != nil {
		return release{}, err
	}
	return r, nil
}

// checkConstraints refuses chosen when it breaks a constraint that applies
// at rel; given tells the variants asked for from the line's defaults.
func checkConstraints(rel conformance.Release, chosen, given map[string]string) error {
	for _, c := range conformance.Constraints {
		if !c.Applies(rel) || !slices.Contains(c.If.Variants, chosen[c.If.Dim]) || slices.Contains(c.Then.Variants, chosen[c.Then.Dim]) {
			continue
		}
		return fmt.Errorf("reference: %s and %s contradict each other at %s: %s; with %s=%s, %s must be %s",
			describe(c.If.Dim, chosen, given), describe(c.Then.Dim, chosen, given), rel, c.Why,
			c.If.Dim, chosen[c.If.Dim], c.Then.Dim, strings.Join(c.Then.Variants, " or "))
	}
	return nil
}

// describe writes dim=variant, saying when the variant is the line's
// default rather than asked for.
func describe(dim string, chosen, given map[string]string) string {
	s := dim + "=" + chosen[dim]
	if _, ok := given[dim]; !ok {
		s += " (the line's default)"
	}
	return s
}

func lineNames() []string {
	out := make([]string, len(conformance.Lines))
	for i, l := range conformance.Lines {
		out[i] = l.Name
	}
	return out
}
