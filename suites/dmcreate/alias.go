package dmcreate

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	fw "github.com/rcconform/rcconform/suites/framework"
)

func aliasChecks() []check {
	// same sends one body to both paths and compares the answers, whatever
	// the release gives.
	same := func(id, since string, status int, title, as string, body func(e env) string) check {
		return check{ID: id, Level: compat, Since: since, Status: status,
			Title: "answers exactly like dm.create " + title, Evidence: ev(srcRoute6(), srcRoute8()),
			Run: func(ctx SpecContext, e env) {
				dm := e.request(ctx, fw.Request{Path: fw.DMCreate, Auth: e.creds(as), Body: body(e)})
				im := e.request(ctx, fw.Request{Path: fw.IMCreate, Auth: e.creds(as), Body: body(e)})
				Expect(fw.Same(dm, im)).To(BeTrue(), "%s", im.Explain(fmt.Sprintf(
					"im.create is the same endpoint as dm.create and gives the same answer; dm.create answered %d %s", dm.Status, dm.Exchange.ResponseBody)))
			},
		}
	}
	return []check{
		declaredAt(same("ALIAS-ONE-TO-ONE", v0590, 200, "for a 1:1 DM", "caller", env.peerBody), here()),
		declaredAt(same("ALIAS-GROUP", v3010, 200, "for a group DM", "caller",
			func(e env) string { return fw.JSON(map[string]any{"usernames": e.names("third", "crowd2")}) }), here()),
		declaredAt(same("ALIAS-MISSING", v0590, 400, "for a body without parameters", "caller", func(env) string { return `{}` }), here()),
		{At: here(), ID: "ALIAS-UNKNOWN-USER", Level: compat, Since: v0590, Status: 0, Dimensions: []string{conformance.DimNames},
			Title:    "answers exactly like dm.create for an unknown user",
			Evidence: ev(srcRoute6(), srcRoute8(), srcLookup6(), srcLookup8()),
			Send: func(ctx SpecContext, e env) []*fw.Response {
				body := fw.JSON(map[string]any{"username": e.nobody()})
				return []*fw.Response{
					e.request(ctx, fw.Request{Path: fw.IMCreate, Auth: e.Creds("caller"), Body: body}),
					e.request(ctx, fw.Request{Path: fw.DMCreate, Auth: e.Creds("caller"), Body: body}),
				}
			},
			Answers: []answer{
				when(namesLookedUp(), 400, "both paths answer the Invalid User body", func(_ env, r []*fw.Response) {
					expectInvalidUser(r[0], "im.create refuses an unknown user like dm.create")
					expectInvalidUser(r[1], "dm.create refuses an unknown user")
				}),
				when(namesExact(), 200, "both paths answer the caller's self-DM, the same room", func(e env, r []*fw.Response) {
					e.expectRoom(r[0], "im.create leaves the unknown name out like dm.create", "caller")
					r[0].ExpectField("room.rid", r[1].String("room.rid"), "im.create and dm.create open the same self-DM")
				}),
			},
		},
		declaredAt(same("ALIAS-UNAUTHORIZED", v0590, 401, "without credentials", "", env.peerBody), here()),
	}
}
