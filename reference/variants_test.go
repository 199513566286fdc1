package reference

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rcconform/rcconform/conformance"
)

// firstRelease is the oldest release of l, the one the variant tests run.
func firstRelease(l conformance.Line) conformance.Release { return l.Releases[0].From }

// allowedAt are the variants the reference accepts at rel along dim: its
// line's, narrowed by a committed observation of rel.
func allowedAt(rel conformance.Release, dim string) []string { return conformance.Allowed(rel, dim) }

// allowed are the variants the reference accepts along dim at l's first
// release, the one the variant tests run.
func allowed(l conformance.Line, dim string) []string { return allowedAt(firstRelease(l), dim) }

// defaultsAt are the variants the reference emulates at rel unless told
// otherwise: the first it allows of each dimension.
func defaultsAt(rel conformance.Release) map[string]string {
	out := map[string]string{}
	for _, d := range conformance.Dimensions {
		out[d.ID] = allowedAt(rel, d.ID)[0]
	}
	return out
}

// defaultsOf are the defaults at l's first release.
func defaultsOf(l conformance.Line) map[string]string { return defaultsAt(firstRelease(l)) }

// allCombos lists every combination of the variants l allows (at its
// first release), in the order of conformance.Dimensions and of each
// allowance, so that the line's defaults come first.
func allCombos(l conformance.Line) []map[string]string {
	out := []map[string]string{{}}
	for _, d := range conformance.Dimensions {
		var next []map[string]string
		for _, c := range out {
			for _, v := range allowed(l, d.ID) {
				m := maps.Clone(c)
				m[d.ID] = v
				next = append(next, m)
			}
		}
		out = next
	}
	return out
}

// permitted reports whether combo keeps every constraint applying at rel;
// it is the test's own reading of conformance.Constraints.
func permitted(combo map[string]string, rel conformance.Release) bool {
	for _, c := range conformance.Constraints {
		if c.Applies(rel) && slices.Contains(c.If.Variants, combo[c.If.Dim]) && !slices.Contains(c.Then.Variants, combo[c.Then.Dim]) {
			return false
		}
	}
	return true
}

// validCombos are the combinations of allCombos that the constraints permit.
func validCombos(l conformance.Line) []map[string]string {
	var out []map[string]string
	for _, c := range allCombos(l) {
		if permitted(c, firstRelease(l)) {
			out = append(out, c)
		}
	}
	return out
}

// distance counts the dimensions where a and b differ.
func distance(a, b map[string]string) int {
	n := 0
	for dim, v := range a {
		if b[dim] != v {
			n++
		}
	}
	return n
}

// closest is the permitted combination with dim=v that changes the fewest
// other dimensions from l's defaults: only dim, unless a constraint ties
// another one to it.
func closest(l conformance.Line, dim, v string) map[string]string {
	def := defaultsOf(l)
	var best map[string]string
	for _, c := range validCombos(l) {
		if c[dim] == v && (best == nil || distance(c, def) < distance(best, def)) {
			best = c
		}
	}
	return best
}

// allLast is the permitted combination with the most dimensions at the
// last variant l allows: every one, where the constraints permit.
func allLast(l conformance.Line) map[string]string {
	last := map[string]string{}
	for _, d := range conformance.Dimensions {
		vs := allowed(l, d.ID)
		last[d.ID] = vs[len(vs)-1]
	}
	var best map[string]string
	for _, c := range validCombos(l) {
		if best == nil || distance(c, last) < distance(best, last) {
			best = c
		}
	}
	return best
}

// changed are the entries of combo that differ from def.
func changed(combo, def map[string]string) map[string]string {
	out := map[string]string{}
	for dim, v := range combo {
		if def[dim] != v {
			out[dim] = v
		}
	}
	return out
}

// variantServer is a server configured for the probes: MaxUsers 2, so that
// a DM of the admin with probe and other exceeds it, and a rate limit of
// one call, which only plain (no bypass) runs into.
type variantServer struct {
	*testEnv
	want                map[string]string
	probe, other, plain creds
}

func newVariantServer(t *testing.T, rel conformance.Release, variants, want map[string]string) *variantServer {
	t.Helper()
	e := newEnv(t, Config{Version: rel.String(), Variants: variants, MaxUsers: 2, RateLimit: RateLimit{Calls: 1, Window: time.Minute}})
	if got := e.srv.Variants(); !maps.Equal(got, want) {
		t.Fatalf("Variants() = %v\nwant %v", got, want)
	}
	return &variantServer{testEnv: e, want: want,
		probe: e.addUser("probe", "Probe"), other: e.addUser("other", "Other"), plain: e.addUser("plain", "Plain")}
}

// unauthorizedFor is the 401 body of an unauthorized variant.
func unauthorizedFor(v string) string {
	switch v {
	case conformance.Restivus:
		return restivusUnauthorizedBody401
	case conformance.Router:
		return unauthorizedBody401
	default:
		return breakingUnauthorizedBody401
	}
}

// invalid is the answer to a body failing dm.create's schema with msg, as
// the wanted route words it.
func (v *variantServer) invalid(msg string) check {
	if v.want[conformance.DimRoute] == conformance.Legacy {
		return exact(400, invalidParamsBody(msg+" [invalid-params]"))
	}
	return exact(400, typedInvalidParamsBody(msg))
}

// missing is the answer to {}: both name keys missing.
func (v *variantServer) missing() check { return v.invalid(missingTyped) }

// scalar is the answer to a top-level JSON scalar where the route parses
// the body: validated as parsed, no body form matches it ("must be
// object"); spread, it is an object of a string's indexes or {}, so the
// answer to {}.
func (v *variantServer) scalar() check {
	if v.want[conformance.DimBodyShape] == conformance.Spread {
		return v.missing()
	}
	return v.invalid(objectMsg)
}

// selfDM expects the admin's own room.
func selfDM(t *testing.T, res response) {
	t.Helper()
	generatedRoom(t, res, "admin")
}

// page expects the strict parser's page when the parser is strict, else
// runs lenient.
func (v *variantServer) page(lenient check) check {
	if v.want[conformance.DimBodyParser] == conformance.StrictParser {
		return pageCheck
	}
	return lenient
}

func (v *variantServer) post(c *creds, contentType, body string) response {
	return v.request(http.MethodPost, "/api/v1/dm.create", c, contentType, body)
}

// probeAll checks that the server answers each dimension's probe, and the
// bodies around it, as the wanted variant says.
func (v *variantServer) probeAll(t *testing.T) {
	admin := &v.admin
	const jsonType, formType = "application/json", "application/x-www-form-urlencoded"
	restivus := v.want[conformance.DimUnauthorized] == conformance.Restivus

	t.Run(conformance.DimUnauthorized, func(t *testing.T) {
		u := v.want[conformance.DimUnauthorized]
		for _, path := range []string{"/api/v1/dm.create", "/api/v1/im.create"} {
			res := v.request(http.MethodPost, path, nil, jsonType, `{"username":"admin"}`)
			wantResponse(t, res, 401, unauthorizedFor(u))
			wantExactHeaders(t, res.header, jsonHeaders(restivus, true))
		}
		wantResponse(t, v.request(http.MethodGet, "/api/v1/me", &creds{v.admin.id, "bad"}, "", ""), 401, unauthorizedFor(u))
		// The login route's failures lose the Meteor error with the
		// breaking changes applied.
		failed, unrecognized := loginFailedBody, unrecognizedBody
		if u == conformance.Breaking {
			failed, unrecognized = `{"success":false,"error":"unauthorized"}`, `{"success":false,"error":"unauthorized"}`
		}
		wantResponse(t, v.postJSON("/api/v1/login", nil, `{"user":"probe","password":"wrong"}`), 401, failed)
		wantResponse(t, v.postJSON("/api/v1/login", nil, `{"user":"probe"}`), 401, unrecognized)
		// A 403 names its error, so its body is the same for every variant.
		wantResponse(t, v.postJSON("/api/v1/users.create", &v.plain, `{"email":"x@example.com","name":"X","password":"p","username":"x"}`), 403, forbiddenBody)
	})

	t.Run(conformance.DimBodyParser, func(t *testing.T) {
		v.page(exact(401, unauthorizedFor(v.want[conformance.DimUnauthorized])))(t, v.post(nil, jsonType, `{`))
		v.page(v.missing())(t, v.post(admin, jsonType, `{`))
		v.page(v.missing())(t, v.post(admin, jsonType, `{"username":"admin"} x`))
		v.page(v.scalar())(t, v.post(admin, jsonType, `42`))
		// Every parser keeps an array, and the schema refuses it.
		v.invalid(objectMsg)(t, v.post(admin, jsonType, `[]`))
	})

	t.Run(conformance.DimBodyShape, func(t *testing.T) {
		// The probe: the JSON string "x", with credentials (a strict
		// parser refuses it itself).
		v.page(v.scalar())(t, v.post(admin, jsonType, `"x"`))
		v.page(v.scalar())(t, v.post(admin, jsonType, `"admin"`))
		v.page(v.scalar())(t, v.post(admin, jsonType, `""`))
		v.page(v.scalar())(t, v.post(admin, jsonType, `null`))
		v.page(v.scalar())(t, v.post(admin, jsonType, `true`))
		// An array is kept as it is, spread or not: the schema refuses it
		// whatever it holds.
		v.invalid(objectMsg)(t, v.post(admin, jsonType, `[]`))
		v.invalid(objectMsg)(t, v.post(admin, jsonType, `["admin"]`))
		v.invalid(objectMsg)(t, v.post(admin, jsonType, `[{"username":"admin"}]`))
		// An object is copied: spread or not, it is read as sent.
		selfDM(t, v.post(admin, jsonType, `{"username":"admin"}`))
		// Spread or not, a text body reads as an object without the keys:
		// {} as parsed, its character indexes spread.
		v.missing()(t, v.post(admin, "text/plain", `{"username":"admin"}`))
		v.missing()(t, v.post(admin, "text/plain", ``))
	})

	t.Run(conformance.DimFormBody, func(t *testing.T) {
		if v.want[conformance.DimFormBody] == conformance.FormParsed {
			selfDM(t, v.post(admin, formType, "username=admin"))
		} else {
			v.missing()(t, v.post(admin, formType, "username=admin"))
		}
	})

	t.Run(conformance.DimRoute, func(t *testing.T) {
		legacy := v.want[conformance.DimRoute] == conformance.Legacy
		res := v.post(admin, jsonType, `{}`)
		v.missing()(t, res)
		wantExactHeaders(t, res.header, jsonHeaders(restivus, !legacy))
		// The legacy route limits the rate before it validates the body,
		// the typed one after.
		res = v.post(&v.plain, jsonType, `{}`)
		v.missing()(t, res)
		if got := res.header.Get("X-RateLimit-Limit"); (got == "1") != legacy {
			t.Errorf("an invalid body's X-RateLimit-Limit is %q", got)
		}
		res = v.post(&v.plain, jsonType, `{"username":"plain"}`)
		if legacy && res.status != 429 || !legacy && res.status != 200 {
			t.Errorf("a valid body after an invalid one: %d %s", res.status, res.body)
		}
	})

	t.Run(conformance.DimNames, func(t *testing.T) {
		if v.want[conformance.DimNames] == conformance.Lookup {
			wantResponse(t, v.dm(v.admin, `{"username":"nobody"}`), 400, invalidUserBody)
			if rid := ridOf(t, v.dm(v.admin, `{"username":"PROBE"}`)); rid != ridOf(t, v.dm(v.admin, `{"username":"probe"}`)) {
				t.Errorf("PROBE found another room than probe: %s", rid)
			}
			wantResponse(t, v.dm(v.admin, `{"username":"probe","excludeSelf":true}`), 400, invalidUserBody)
			return
		}
		selfDM(t, v.dm(v.admin, `{"username":"nobody"}`))
		selfDM(t, v.dm(v.admin, `{"username":"PROBE"}`))
		generatedRoom(t, v.dm(v.admin, `{"username":"probe","excludeSelf":true}`), "probe")
	})

	t.Run(conformance.DimRID, func(t *testing.T) {
		res := v.dm(v.admin, `{"username":"probe"}`)
		composed := pairRid(v.admin.id, v.probe.id)
		if v.want[conformance.DimRID] == conformance.Composed {
			wantResponse(t, res, 200, dmOK(composed, "admin", "probe"))
		} else if generatedRoom(t, res, "admin", "probe") == composed {
			t.Errorf("generated rid %s is the composed one", composed)
		}
	})

	t.Run(conformance.DimCoercion, func(t *testing.T) {
		formParsed := v.want[conformance.DimFormBody] == conformance.FormParsed
		if v.want[conformance.DimCoercion] == conformance.Coerce {
			selfDM(t, v.dm(v.admin, `{"username":"admin","excludeSelf":"false"}`))
			if formParsed {
				selfDM(t, v.post(admin, formType, "username=admin&excludeSelf=false"))
			}
			if res := v.postJSON("/api/v1/users.create", admin, `{"email":"c@example.com","name":"C","password":"p","username":"c","active":"false"}`); res.status != 200 {
				t.Errorf("users.create with a coerced flag: %d %s", res.status, res.body)
			}
			return
		}
		notBoolean := `must have required property 'usernames'\n must be boolean\n must match exactly one schema in oneOf`
		notString := `must have required property 'usernames'\n must be string\n must match exactly one schema in oneOf`
		v.invalid(notBoolean)(t, v.dm(v.admin, `{"username":"admin","excludeSelf":"false"}`))
		v.invalid(notBoolean)(t, v.dm(v.admin, `{"username":"admin","excludeSelf":0}`))
		v.invalid(notString)(t, v.dm(v.admin, `{"username":123}`))
		v.invalid(notString)(t, v.dm(v.admin, `{"username":null}`))
		v.invalid(`must be string\n must have required property 'username'\n must match exactly one schema in oneOf`)(t, v.dm(v.admin, `{"usernames":true}`))
		if formParsed {
			v.invalid(notBoolean)(t, v.post(admin, formType, "username=admin&excludeSelf=false"))
		}
		selfDM(t, v.dm(v.admin, `{"username":"admin","excludeSelf":false}`))
		wantResponse(t, v.postJSON("/api/v1/users.create", admin, `{"email":"c@example.com","name":"C","password":"p","username":"c","active":"false"}`),
			400, invalidParamsBody(`must be boolean [invalid-params]`))
		wantResponse(t, v.postJSON("/api/v1/users.create", admin, `{"email":"c@example.com","name":"C","password":"p","username":"c","roles":[1]}`),
			400, invalidParamsBody(`must be string [invalid-params]`))
		if res := v.postJSON("/api/v1/users.create", admin, `{"email":"c@example.com","name":"C","password":"p","username":"c","active":null,"roles":["user"]}`); res.status != 200 {
			t.Errorf("users.create with null for a nullable flag: %d %s", res.status, res.body)
		}
	})

	t.Run(conformance.DimEmptyName, func(t *testing.T) {
		res := v.dm(v.admin, `{"username":""}`)
		switch v.want[conformance.DimEmptyName] {
		case conformance.UnknownUser:
			wantResponse(t, res, 400, invalidUserBody)
		case conformance.InvalidName:
			wantResponse(t, res, 400, emptyNameBody)
		default:
			selfDM(t, res)
		}
	})

	t.Run(conformance.DimMaxUsers, func(t *testing.T) {
		want := maxUsersBody("2")
		if v.want[conformance.DimMaxUsers] == conformance.PlainError {
			want = plainMaxUsersBody
		}
		wantResponse(t, v.dm(v.admin, `{"usernames":"probe,other"}`), 400, want)
	})
}

// TestVariants runs every line with its defaults, with each variant it
// allows besides (one dimension changed at a time, and the dimensions a
// constraint ties to it), and with every dimension at its last allowed
// variant where the constraints permit; each server must answer every
// dimension's probe as its variant says.
func TestVariants(t *testing.T) {
	for _, l := range conformance.Lines {
		rel, def := firstRelease(l), defaultsOf(l)
		type run struct {
			name     string
			variants map[string]string // Config.Variants
			want     map[string]string
		}
		runs := []run{{"defaults", nil, def}}
		for _, d := range conformance.Dimensions {
			for _, v := range allowed(l, d.ID)[1:] {
				combo := closest(l, d.ID, v)
				if combo == nil {
					t.Errorf("%s: no permitted combination has %s=%s", l.Name, d.ID, v)
					continue
				}
				runs = append(runs, run{d.ID + "=" + v, changed(combo, def), combo})
			}
		}
		last := allLast(l)
		runs = append(runs, run{"last", last, last})
		for _, r := range runs {
			t.Run(l.Name+"/"+r.name, func(t *testing.T) {
				t.Parallel()
				newVariantServer(t, rel, r.variants, r.want).probeAll(t)
			})
		}
	}
}

// TestDefaultVariants: without Config.Variants every dimension takes the
// first variant conformance.Allowed gives at the release: its line's most
// likely one, unless a committed observation of the release narrows it.
func TestDefaultVariants(t *testing.T) {
	for _, l := range conformance.Lines {
		for _, version := range []string{firstRelease(l).String(), l.Releases[0].Before.String()} {
			rel := conformance.MustRelease(version)
			srv, err := New(Config{Version: version})
			if l.Releases.Contains(rel) {
				if err != nil {
					t.Fatalf("%s: %v", version, err)
				}
				if got := srv.Variants(); !maps.Equal(got, defaultsAt(rel)) || srv.Line() != l.Name {
					t.Errorf("%s: line %s, variants %v\nwant line %s, %v", version, srv.Line(), got, l.Name, defaultsAt(rel))
				}
				for dim, v := range defaultsAt(rel) {
					if !slices.Contains(l.Allowed(dim), v) {
						t.Errorf("%s: the default %s=%s is not one the %s line allows", version, dim, v, l.Name)
					}
				}
			} else if err == nil && srv.Line() == l.Name {
				t.Errorf("%s is past the %s line but emulates it", version, l.Name)
			}
		}
	}
	// The defaults the windows open with, read off the model by hand:
	// from 8.0 the names window lists exact first, and the rid and
	// empty-name windows follow it. A committed observation of one of
	// these releases would narrow its defaults, so it is skipped then.
	pins := []struct {
		version string
		want    map[string]string
	}{
		{"7.6.0", map[string]string{conformance.DimBodyParser: conformance.LenientParser, conformance.DimBodyShape: conformance.Spread,
			conformance.DimFormBody: conformance.FormUnparsed, conformance.DimNames: conformance.Lookup, conformance.DimRID: conformance.Composed}},
		{"7.10.0", map[string]string{conformance.DimBodyShape: conformance.Spread, conformance.DimNames: conformance.Lookup,
			conformance.DimRID: conformance.Composed, conformance.DimEmptyName: conformance.InvalidName}},
		{"8.0.0", map[string]string{conformance.DimUnauthorized: conformance.Breaking, conformance.DimBodyShape: conformance.Spread,
			conformance.DimNames: conformance.Exact, conformance.DimRID: conformance.Generated, conformance.DimEmptyName: conformance.DroppedName}},
		{"8.1.0", map[string]string{conformance.DimUnauthorized: conformance.Router, conformance.DimRoute: conformance.Legacy,
			conformance.DimNames: conformance.Exact, conformance.DimRID: conformance.Generated, conformance.DimEmptyName: conformance.DroppedName}},
		{"8.4.0", map[string]string{conformance.DimBodyShape: conformance.Spread, conformance.DimRoute: conformance.Legacy,
			conformance.DimNames: conformance.Exact, conformance.DimRID: conformance.Generated, conformance.DimEmptyName: conformance.DroppedName,
			conformance.DimCoercion: conformance.NoCoercion}},
	}
	for _, p := range pins {
		if _, ok := conformance.ObservationOf(conformance.MustRelease(p.version)); ok {
			continue
		}
		srv, err := New(Config{Version: p.version})
		if err != nil {
			t.Fatalf("%s: %v", p.version, err)
		}
		got := srv.Variants()
		for dim, v := range p.want {
			if got[dim] != v {
				t.Errorf("%s: the default %s is %s, want %s", p.version, dim, got[dim], v)
			}
		}
	}
}

// TestNewVariants: for every line, New accepts exactly the combinations of
// its variants that the constraints applying at the release permit, and
// refuses every variant the line excludes, naming what it allows.
func TestNewVariants(t *testing.T) {
	for _, l := range conformance.Lines {
		rel := firstRelease(l).String()
		for _, c := range allCombos(l) {
			_, err := newRelease(rel, c)
			if ok := permitted(c, firstRelease(l)); ok != (err == nil) {
				t.Errorf("%s %v: permitted %v, New: %v", rel, c, ok, err)
			} else if err != nil && !strings.Contains(err.Error(), "contradict") {
				t.Errorf("%s %v: %v does not say what contradicts", rel, c, err)
			}
		}
		for _, d := range conformance.Dimensions {
			vs := allowed(l, d.ID)
			for _, v := range d.VariantIDs() {
				if slices.Contains(vs, v) {
					continue
				}
				_, err := New(Config{Version: rel, Variants: map[string]string{d.ID: v}})
				if err == nil || !strings.Contains(err.Error(), d.ID+"="+v) || !strings.Contains(err.Error(), "allows "+strings.Join(vs, ", ")) {
					t.Errorf("%s %s=%s: %v, want a refusal naming what %s allows", rel, d.ID, v, err, l.Name)
				}
			}
		}
	}
}

func TestNewRefusesVariants(t *testing.T) {
	cases := []struct {
		name     string
		version  string
		variants map[string]string
		says     []string
	}{
		{"unknown dimension", "8.6.1", map[string]string{"colour": "blue"}, []string{`"colour"`, conformance.DimNames}},
		{"unknown variant", "8.6.1", map[string]string{conformance.DimNames: "fuzzy"}, []string{`"fuzzy"`, "lookup, exact"}},
		{"excluded by the line", v6, map[string]string{conformance.DimNames: conformance.Exact}, []string{"6.6–6.x", "names=exact", "allows lookup"}},
		{"spread where the parser is strict", "7.4.0", map[string]string{conformance.DimBodyShape: conformance.Spread},
			[]string{"7.4–7.5", "body-shape=spread", "allows as-parsed"}},
		{"unparsed forms where they are parsed", "7.6.2", map[string]string{conformance.DimFormBody: conformance.FormUnparsed},
			[]string{"7.6.2–7.9", "form-body=unparsed", "allows parsed"}},
		{"names=exact with the line's empty-name", "7.10.0", map[string]string{conformance.DimNames: conformance.Exact},
			[]string{"names=exact and empty-name=invalid-username (the line's default) contradict each other at 7.10.0", "empty-name must be dropped"}},
		{"generated rids with looked-up names", "7.10.0", map[string]string{conformance.DimRID: conformance.Generated},
			[]string{"names=lookup (the line's default) and one-to-one-rid=generated contradict", "must be composed"}},
		{"names=lookup with the line's empty-name", "8.3.0", map[string]string{conformance.DimNames: conformance.Lookup},
			[]string{"names=lookup and empty-name=dropped (the line's default) contradict each other at 8.3.0", "empty-name must be unknown-user or invalid-username"}},
		{"names=lookup with the line's rid", "8.3.0", map[string]string{conformance.DimNames: conformance.Lookup, conformance.DimEmptyName: conformance.InvalidName},
			[]string{"names=lookup and one-to-one-rid=generated (the line's default) contradict", "must be composed"}},
		{"both given", "8.3.0", map[string]string{conformance.DimNames: conformance.Lookup, conformance.DimEmptyName: conformance.InvalidName, conformance.DimRID: conformance.Generated},
			[]string{"names=lookup and one-to-one-rid=generated contradict"}},
		{"as parsed with unparsed forms", "7.6.0", map[string]string{conformance.DimBodyShape: conformance.AsParsed},
			[]string{"7.6.0–7.6.1", "body-shape=as-parsed", "allows spread"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(Config{Version: c.version, Variants: c.variants})
			if err == nil {
				t.Fatal("New accepted it")
			}
			for _, s := range c.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%v\ndoes not say %q", err, s)
				}
			}
		})
	}
	// The body-shape and form-body constraints tie variants no line allows
	// together (every line with a strict parser keeps bodies as parsed
	// and parses forms), so the reference's reading of them is checked
	// on its own.
	for _, c := range []struct {
		chosen map[string]string
		says   string // "" when permitted
	}{
		{map[string]string{conformance.DimBodyShape: conformance.Spread, conformance.DimBodyParser: conformance.StrictParser},
			"body-shape=spread and body-parser=strict contradict each other at 7.6.0"},
		{map[string]string{conformance.DimFormBody: conformance.FormUnparsed, conformance.DimBodyShape: conformance.Spread, conformance.DimBodyParser: conformance.StrictParser},
			"form-body=unparsed and body-parser=strict contradict each other at 7.6.0"},
		{map[string]string{conformance.DimFormBody: conformance.FormUnparsed, conformance.DimBodyShape: conformance.AsParsed, conformance.DimBodyParser: conformance.LenientParser},
			"form-body=unparsed and body-shape=as-parsed contradict each other at 7.6.0"},
		{map[string]string{conformance.DimFormBody: conformance.FormUnparsed, conformance.DimBodyShape: conformance.Spread, conformance.DimBodyParser: conformance.LenientParser}, ""},
		{map[string]string{conformance.DimFormBody: conformance.FormParsed, conformance.DimBodyShape: conformance.AsParsed, conformance.DimBodyParser: conformance.StrictParser}, ""},
		{map[string]string{conformance.DimFormBody: conformance.FormParsed, conformance.DimBodyShape: conformance.Spread, conformance.DimBodyParser: conformance.LenientParser}, ""},
	} {
		err := checkConstraints(conformance.MustRelease("7.6.0"), c.chosen, c.chosen)
		if c.says == "" && err != nil || c.says != "" && (err == nil || !strings.Contains(err.Error(), c.says)) {
			t.Errorf("%v: %v, want %q", c.chosen, err, c.says)
		}
	}
	// The tie between looked-up names and composed rids ends before 8.7.
	srv, err := New(Config{Version: "8.7.0", Variants: map[string]string{conformance.DimNames: conformance.Lookup, conformance.DimEmptyName: conformance.InvalidName}})
	if err != nil || srv.Variants()[conformance.DimRID] != conformance.Generated {
		t.Errorf("8.7.0 with looked-up names and generated rids: %v", err)
	}
	// 8.0.0 does not start as a genuine release, but the reference does.
	if srv, err := New(Config{Version: "8.0.0"}); err != nil || srv.Variants()[conformance.DimUnauthorized] != conformance.Breaking {
		t.Errorf("8.0.0: %v", err)
	}
}

// TestReleaseFields: the release has a field for every dimension of the
// model, and every line allows a variant of each.
func TestReleaseFields(t *testing.T) {
	var r release
	fields := r.fields()
	for _, d := range conformance.Dimensions {
		if fields[d.ID] == nil {
			t.Errorf("the reference does not emulate the dimension %s", d.ID)
		}
		for _, l := range conformance.Lines {
			if len(l.Allowed(d.ID)) == 0 {
				t.Errorf("the %s line allows no variant of %s", l.Name, d.ID)
			}
		}
	}
	if len(fields) != len(conformance.Dimensions) {
		t.Errorf("%d fields for %d dimensions", len(fields), len(conformance.Dimensions))
	}
}

func TestSpread(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{map[string]any{"username": "bob"}, `{"username":"bob"}`},
		{[]any{"bob", json.Number("1")}, `["bob",1]`}, // an array is kept
		{[]any{}, `[]`},
		{[]any{map[string]any{"username": "bob"}}, `[{"username":"bob"}]`},
		{"ab", `{"0":"a","1":"b"}`},
		{"é😀", "{\"0\":\"é\",\"1\":\"\uFFFD\",\"2\":\"\uFFFD\"}"}, // an astral character is two code units
		{"", `{}`},
		{"x", `{"0":"x"}`},
		{json.Number("42"), `{}`},
		{false, `{}`},
		{true, `{}`},
		{nil, `{}`},
	}
	for _, c := range cases {
		got, _ := json.Marshal(spread(c.in))
		if string(got) != c.want {
			t.Errorf("spread(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestRouteParams covers the route's parser along body-shape and
// form-body.
func TestRouteParams(t *testing.T) {
	asParsed := release{bodyShape: conformance.AsParsed, formBody: conformance.FormParsed}
	spreads := release{bodyShape: conformance.Spread, formBody: conformance.FormParsed}
	unparsed := release{bodyShape: conformance.Spread, formBody: conformance.FormUnparsed}
	cases := []struct {
		contentType, body               string
		asParsed, spreads, formUnparsed string
	}{
		{"application/json", `{"a":"b"}`, `{"a":"b"}`, `{"a":"b"}`, `{"a":"b"}`},
		// Arrays are kept by every variant.
		{"application/json", `["x"]`, `["x"]`, `["x"]`, `["x"]`},
		{"application/json", `[]`, `[]`, `[]`, `[]`},
		{"application/json", `[{"username":"a"}]`, `[{"username":"a"}]`, `[{"username":"a"}]`, `[{"username":"a"}]`},
		// The body-shape probe: a string becomes an object of its indexes.
		{"application/json", `"x"`, `"x"`, `{"0":"x"}`, `{"0":"x"}`},
		{"application/json", `"xy"`, `"xy"`, `{"0":"x","1":"y"}`, `{"0":"x","1":"y"}`},
		{"application/json", `""`, `""`, `{}`, `{}`},
		{"application/json", `42`, `42`, `{}`, `{}`},
		{"application/json", `true`, `true`, `{}`, `{}`},
		{"application/json", `null`, `null`, `{}`, `{}`},
		{"application/json", `{`, `{}`, `{}`, `{}`},
		{"application/json", `{"a":"b"} x`, `{}`, `{}`, `{}`},
		{"application/json; charset=utf-8", `"x"`, `"x"`, `{"0":"x"}`, `{"0":"x"}`},
		{"application/x-www-form-urlencoded", `a=b`, `{"a":"b"}`, `{"a":"b"}`, `{"0":"a","1":"=","2":"b"}`},
		// Another media type is read as text and spread, never parsed.
		{"text/plain", "\uFEFFab", `{}`, `{"0":"a","1":"b"}`, `{"0":"a","1":"b"}`},
		{"text/plain", `["x"]`, `{}`, `{"0":"[","1":"\"","2":"x","3":"\"","4":"]"}`, `{"0":"[","1":"\"","2":"x","3":"\"","4":"]"}`},
		{"Application/JSON", `{"a":"b"}`, `{}`, `{"0":"{","1":"\"","2":"a","3":"\"","4":":","5":"\"","6":"b","7":"\"","8":"}"}`, `{"0":"{","1":"\"","2":"a","3":"\"","4":":","5":"\"","6":"b","7":"\"","8":"}"}`},
		{"", ``, `{}`, `{}`, `{}`},
	}
	for _, c := range cases {
		for name, want := range map[string]struct {
			rel  release
			want string
		}{"as-parsed": {asParsed, c.asParsed}, "spread": {spreads, c.spreads}, "unparsed forms": {unparsed, c.formUnparsed}} {
			got, _ := json.Marshal(want.rel.routeParams(c.contentType, []byte(c.body)))
			if string(got) != want.want {
				t.Errorf("%s: %q as %q: %s, want %s", name, c.body, c.contentType, got, want.want)
			}
		}
	}
}

func TestCoerceStrict(t *testing.T) {
	num := func(s string) any { return json.Number(s) }
	cases := []struct {
		in       any
		typ      jsonType
		nullable bool
		want     any
		msg      string
	}{
		{"x", typeString, false, "x", ""},
		{num("12"), typeString, false, nil, "must be string"},
		{true, typeString, false, nil, "must be string"},
		{nil, typeString, false, nil, "must be string"},
		{nil, typeString, true, nil, ""},
		{true, typeBoolean, false, true, ""},
		{"true", typeBoolean, false, nil, "must be boolean"},
		{num("1"), typeBoolean, false, nil, "must be boolean"},
		{"", typeBoolean, true, nil, "must be boolean"},
		{nil, typeBoolean, false, nil, "must be boolean"},
		{[]any{"a"}, typeStringArray, false, []string{"a"}, ""},
		{[]any{num("1")}, typeStringArray, false, nil, "must be string"},
	}
	for _, c := range cases {
		got, msg := coerce(c.in, c.typ, c.nullable, false)
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(c.want)
		if msg != c.msg || string(gj) != string(wj) {
			t.Errorf("coerce(%#v, strict) = %s, %q; want %s, %q", c.in, gj, msg, wj, c.msg)
		}
	}
}

// ExampleServer_Variants shows how a line that allows several variants is
// narrowed to one of them.
func ExampleServer_Variants() {
	srv, err := New(Config{Version: "8.4.0", Variants: map[string]string{conformance.DimRoute: conformance.Typed}})
	if err != nil {
		fmt.Println(err)
		return
	}
	v := srv.Variants()
	fmt.Println(srv.Line(), v[conformance.DimRoute], v[conformance.DimCoercion])
	// Output: 8.3–8.5 typed strict
}
