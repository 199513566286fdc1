package dmcreate

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/rcconform/rcconform/suites/framework"
)

func aliasChecks() []check {
	same := func(id, since string, status int, title, as string, body func(e env) string) check {
		return chk(id, compat, since, status, "answers exactly like dm.create "+title, ev(srcRoute6(), srcRoute8()),
			func(ctx SpecContext, e env) {
				dm := e.Client.Post(ctx, fw.Request{Path: fw.DMCreate, Auth: e.creds(as), Body: body(e)})
				im := e.Client.Post(ctx, fw.Request{Path: fw.IMCreate, Auth: e.creds(as), Body: body(e)})
				Expect(fw.Same(dm, im)).To(BeTrue(), "%s", im.Explain(fmt.Sprintf(
					"im.create is the same endpoint as dm.create and gives the same answer; dm.create answered %d %s", dm.Status, dm.Exchange.ResponseBody)))
			}).on(supported(), noteRouter)
	}
	return []check{
		same("ALIAS-ONE-TO-ONE", v0590, 200, "for a 1:1 DM", "caller", env.peerBody),
		same("ALIAS-GROUP", v3010, 200, "for a group DM", "caller",
			func(e env) string { return fw.JSON(map[string]any{"usernames": e.names("third", "crowd2")}) }),
		same("ALIAS-MISSING", v0590, 400, "for a body without parameters", "caller", func(env) string { return `{}` }),
		same("ALIAS-UNKNOWN-USER", v0590, 400, "for an unknown user", "caller",
			func(e env) string { return fw.JSON(map[string]any{"username": e.nobody()}) }),
		same("ALIAS-UNAUTHORIZED", v0590, 401, "without credentials", "", env.peerBody),
	}
}
