package dmcreate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/fixtures"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// check is one conformance check: its declaration and what it does.
type check struct {
	conformance.Info
	run func(ctx SpecContext, e env)
}

// family is a behaviour family: one file of this package, one Describe.
type family struct {
	name  string
	title string
	// checks builds the family's checks; spec is the embedded spec, which
	// some families derive checks from.
	checks func() []check
}

// families lists the behaviour families in the order a run shows them.
func families() []family {
	return []family{
		{"unauthorized", "dm.create without valid credentials", unauthorizedChecks},
		{"invalid-params", "dm.create with an invalid body", invalidParamsChecks},
		{"invalid-user", "dm.create naming users that do not exist", invalidUserChecks},
		{"success", "dm.create creating a direct message", successChecks},
		{"semantics", "dm.create semantics clients rely on", semanticsChecks},
		{"alias", "im.create, the alias of dm.create", aliasChecks},
		{"concurrency", "dm.create under concurrent creation", concurrencyChecks},
	}
}

// catalogue builds every check, fills in its family and validates the lot:
// a bad declaration is a bug of the harness, so it panics with all of them.
func catalogue() []check {
	var all []check
	var infos []conformance.Info
	for _, f := range families() {
		for _, c := range f.checks() {
			c.Family = f.name
			all = append(all, c)
			infos = append(infos, c.Info)
		}
	}
	if err := conformance.ValidateCatalogue(infos); err != nil {
		panic(fmt.Sprintf("dmcreate: the check catalogue is invalid:\n%v", err))
	}
	return all
}

// Catalogue returns the declaration of every check, in run order.
func Catalogue() []conformance.Info {
	cs := catalogue()
	out := make([]conformance.Info, len(cs))
	for i, c := range cs {
		out[i] = c.Info
	}
	return out
}

// env is what a check works with: the process's view of the run, plus
// shorthands for the personas of fixtures/personas.yaml.
type env struct{ *fw.Env }

// post sends body as persona as ("" sends no credentials).
func (e env) post(ctx SpecContext, as string, body string) *fw.Response {
	GinkgoHelper()
	return e.Client.Post(ctx, fw.Request{Auth: e.creds(as), Body: body})
}

func (e env) creds(as string) *fixtures.Credentials {
	if as == "" {
		return nil
	}
	return e.Creds(as)
}

// create posts a body as a persona and requires the room to be created.
func (e env) create(ctx SpecContext, as string, body map[string]any, promise string) *fw.Response {
	GinkgoHelper()
	resp := e.post(ctx, as, fw.JSON(body))
	resp.ExpectStatus(200, promise)
	return resp
}

// peerBody is a valid body naming another user, for checks about anything
// but the body.
func (e env) peerBody() string {
	return fw.JSON(map[string]any{"username": e.User("peer").Username})
}

// nobody is a username no user has.
func (e env) nobody() string { return "rcc-" + e.Cast.RunID + "-nobody" }

// usernames returns the provisioned usernames of the personas, in order.
func (e env) usernames(keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = e.User(k).Username
	}
	return out
}

// names joins the personas' usernames for the usernames field.
func (e env) names(keys ...string) string { return strings.Join(e.usernames(keys...), ",") }

// haveMembers matches a room's usernames holding exactly these personas.
func (e env) haveMembers(keys ...string) OmegaMatcher {
	want := make([]any, len(keys))
	for i, u := range e.usernames(keys...) {
		want[i] = u
	}
	return ConsistOf(want...)
}

// others returns the personas besides the caller that can fill a room.
func (e env) others() []string {
	return append([]string{"peer", "third"}, e.Cast.Crowd()...)
}

// usernamesOf lists the usernames of provisioned users.
func usernamesOf(users []fixtures.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.Username
	}
	return out
}

// Short names for the vocabulary the declarations use.
const (
	core        = conformance.Core
	compat      = conformance.Compat
	recommended = conformance.Recommended
	v0590       = conformance.V0590
	v3010       = conformance.V3010
	v3180       = conformance.V3180
)

// chk declares a check that holds for every release; on narrows it.
func chk(id string, level conformance.Level, since string, status int, title string, evidence []conformance.Evidence, run func(SpecContext, env)) check {
	return check{Info: conformance.Info{ID: id, Title: title, Level: level, Since: since, Status: status, Evidence: evidence}, run: run}
}

// on limits the check to some releases and says why.
func (c check) on(r conformance.Releases, note string) check {
	c.Releases, c.ReleaseNote = r, note
	return c
}

// CatalogueJSON is the catalogue as an indented JSON array: what
// `rcconform checks --json` prints and catalogue.json holds.
func CatalogueJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(Catalogue()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
