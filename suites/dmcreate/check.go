package dmcreate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/rcapi"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// check is one conformance check, declared once: its data, and either Run
// (one answer at every release) or Send and Answers (the answer depends on
// the release: every answer a release the target may be could give).
type check struct {
	// At is where the check is declared (here()): its reports point there.
	At    types.CodeLocation
	ID    string
	Level conformance.Level
	// Since is the feature version of the documented key the check needs.
	Since string
	// Status is the status of every answer the check accepts; 0 when it
	// depends on the release.
	Status   int
	Title    string
	Evidence []conformance.Evidence
	// Dimensions are those whose variants decide which answer is expected.
	Dimensions []string

	Run     func(ctx SpecContext, e env)
	Send    func(ctx SpecContext, e env) []*fw.Response
	Answers []answer

	family string
}

// answer is one answer a check accepts, and the assertions that tell it.
type answer struct {
	conformance.Answer
	Expect func(e env, r []*fw.Response)
}

// here is the code location of the check declared on the caller's line.
func here() types.CodeLocation { return types.NewCodeLocation(1) }

// info is the check as data.
func (c check) info() conformance.Info {
	i := conformance.Info{ID: c.ID, Title: c.Title, Level: c.Level, Since: c.Since, Status: c.Status,
		Family: c.family, Evidence: c.Evidence, Dimensions: c.Dimensions}
	for _, a := range c.Answers {
		i.Answers = append(i.Answers, a.Answer)
	}
	return i
}

// Answers: the doc page's own, one a release gives under some variants, and
// a release's answer that deviates from the doc page.

func docAnswer(status int, says string, expect func(e env, r []*fw.Response)) answer {
	return answer{conformance.Answer{Doc: true, Status: status, Says: says}, expect}
}

func when(c conformance.Cond, status int, says string, expect func(e env, r []*fw.Response)) answer {
	return answer{conformance.Answer{When: []conformance.Cond{c}, Status: status, Says: says}, expect}
}

func whenAll(cs []conformance.Cond, status int, says string, expect func(e env, r []*fw.Response)) answer {
	return answer{conformance.Answer{When: cs, Status: status, Says: says}, expect}
}

func deviating(d conformance.Deviation, c conformance.Cond, status int, says string, expect func(e env, r []*fw.Response)) answer {
	return answer{conformance.Answer{When: []conformance.Cond{c}, Deviation: &d, Status: status, Says: says}, expect}
}

func is(dim string, variants ...string) conformance.Cond { return conformance.Is(dim, variants...) }

func all(cs ...conformance.Cond) []conformance.Cond { return cs }

// family is a behaviour family: one file of this package, one Describe.
type family struct {
	name   string
	title  string
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
		{"release", "dm.create as its release answers", releaseChecks},
	}
}

// catalogue builds every check, fills in its family and validates the lot:
// a bad declaration is a bug of the harness, so it panics with all of them.
func catalogue() []check {
	var all []check
	var infos []conformance.Info
	var errs []string
	for _, f := range families() {
		for _, c := range f.checks() {
			c.family = f.name
			switch {
			case c.At.FileName == "":
				errs = append(errs, c.ID+": no declaration location (At: here())")
			case (c.Run == nil) == (c.Send == nil):
				errs = append(errs, c.ID+": give either Run, or Send and Answers")
			case (c.Send == nil) != (len(c.Answers) == 0):
				errs = append(errs, c.ID+": Send and Answers go together")
			}
			all = append(all, c)
			infos = append(infos, c.info())
		}
	}
	if err := conformance.ValidateCatalogue(infos); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("dmcreate: the check catalogue is invalid:\n%s", strings.Join(errs, "\n")))
	}
	return all
}

// Catalogue returns the declaration of every check, in run order.
func Catalogue() []conformance.Info {
	cs := catalogue()
	out := make([]conformance.Info, len(cs))
	for i, c := range cs {
		out[i] = c.info()
	}
	return out
}

// Document is the whole catalogue as data: the dimensions and their
// variants, the release lines and what each allows, the ties between
// dimensions, and every check with its answers and deviations.
type Document struct {
	Dimensions  []conformance.Dimension  `json:"dimensions"`
	Lines       []conformance.Line       `json:"lines"`
	Constraints []conformance.Constraint `json:"constraints"`
	Checks      []conformance.Info       `json:"checks"`
}

// CatalogueJSON is the catalogue document as indented JSON: what
// `rcconform checks --json` prints and catalogue.json holds.
func CatalogueJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	doc := Document{Dimensions: conformance.Dimensions, Lines: conformance.Lines, Constraints: conformance.Constraints, Checks: Catalogue()}
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReleaseView is the catalogue at one release: its line, what it may show
// along each dimension, and what each check accepts there at compat.
type ReleaseView struct {
	Release string `json:"release"`
	// Line is empty for a release outside every line: the checks then
	// accept what any line may answer.
	Line    string              `json:"line,omitempty"`
	Note    string              `json:"note,omitempty"`
	Allowed map[string][]string `json:"allowed"`
	// Evidence per dimension, observations of the release included.
	Evidence map[string][]conformance.Evidence `json:"evidence"`
	Checks   []CheckAtRelease                  `json:"checks"`
}

// CheckAtRelease is a check and the answers it accepts at a release.
type CheckAtRelease struct {
	ID         string               `json:"id"`
	Level      conformance.Level    `json:"level"`
	Title      string               `json:"title"`
	Dimensions []string             `json:"dimensions,omitempty"`
	Accepted   []conformance.Answer `json:"accepted,omitempty"`
}

// AtRelease is the catalogue at rel.
func AtRelease(rel conformance.Release) ReleaseView {
	v := ReleaseView{Release: rel.String(), Allowed: map[string][]string{}, Evidence: map[string][]conformance.Evidence{}}
	line, ok := conformance.LineOf(rel)
	if ok {
		v.Line, v.Note = line.Name, line.Note
	}
	obs, observed := conformance.ObservationOf(rel)
	for _, d := range conformance.Dimensions {
		v.Allowed[d.ID] = conformance.Allowed(rel, d.ID)
		if a, ok := line.Allowance(d.ID); ok {
			v.Evidence[d.ID] = a.Evidence
		}
		if _, ok := obs.Fingerprint[d.ID]; observed && ok {
			v.Evidence[d.ID] = append(v.Evidence[d.ID], obs.Evidence(d.ID))
		}
	}
	for _, c := range Catalogue() {
		cv := CheckAtRelease{ID: c.ID, Level: c.Level, Title: c.Title, Dimensions: c.Dimensions}
		for _, n := range c.Accepts(compat, v.Allowed) {
			cv.Accepted = append(cv.Accepted, c.Answers[n])
		}
		v.Checks = append(v.Checks, cv)
	}
	return v
}

// env is what a check works with: the process's view of the run, the
// level of the run, and the client that validates as the check's level
// requires.
type env struct {
	*fw.Env
	level  conformance.Level
	client *fw.Client
}

// request sends r on behalf of the running check.
func (e env) request(ctx SpecContext, r fw.Request) *fw.Response {
	GinkgoHelper()
	return e.client.Post(ctx, r)
}

// post sends body as persona as ("" sends no credentials).
func (e env) post(ctx SpecContext, as string, body string) *fw.Response {
	GinkgoHelper()
	return e.request(ctx, fw.Request{Auth: e.creds(as), Body: body})
}

func (e env) creds(as string) *rcapi.Credentials {
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
