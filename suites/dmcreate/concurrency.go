package dmcreate

import (
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/fixtures"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// concurrentRequests is how many identical creations race.
const concurrentRequests = 8

// concurrently sends the same creation concurrentRequests times at once, as
// a user who has no room with these users yet, and records every answer.
func (e env) concurrently(ctx SpecContext, as fixtures.User, names []fixtures.User) []*fw.Response {
	GinkgoHelper()
	req := fw.Request{Auth: &as.Creds, Body: namingBody(names)}
	resps := make([]*fw.Response, concurrentRequests)
	errs := make([]error, concurrentRequests)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range concurrentRequests {
		wg.Go(func() {
			<-start
			resps[i], errs[i] = e.Client.Send(ctx, req)
		})
	}
	close(start)
	wg.Wait()
	for i := range concurrentRequests {
		e.Client.ExpectAnswered(errs[i], req)
		e.Client.Record(resps[i])
	}
	return resps
}

// expectRoomOrDuplicateKey accepts what released Rocket.Chat answers a
// creation that races another: the room, or the 400 carrying MongoDB's
// duplicate-key error of the insert that lost.
func expectRoomOrDuplicateKey(resp *fw.Response, members []any, promise string) {
	GinkgoHelper()
	if resp.Status == 400 {
		resp.ExpectField("success", false, promise)
		resp.ExpectField("error", HavePrefix("E11000 duplicate key error"), promise+": a losing insert is answered with MongoDB's duplicate-key error")
		resp.ExpectNoField("errorType", promise+": a MongoDB error is no Meteor.Error, so it has no errorType")
		return
	}
	resp.ExpectStatus(200, promise)
	resp.ExpectField("room.usernames", ConsistOf(members...), promise+": the room holds exactly the named users")
}

func concurrencyChecks() []check {
	released := ev(srcRace6(), srcRace8())
	why := reasoning("Clients that open a DM from several devices or tabs at once, or retry a request that timed out, get one conversation only if find-or-create is atomic; released Rocket.Chat looks the room up and then inserts it, so it does not guarantee this.")
	return []check{
		{At: here(), ID: "SEM-CONCURRENT-RELEASED", Level: compat, Since: v0590, Status: 200,
			Title:    "answers concurrent identical 1:1 creations with the room or a duplicate-key error",
			Evidence: released,
			Run: func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 2)
				members := toAny(usernamesOf(u))
				resps := e.concurrently(ctx, u[0], u[1:])
				rooms := 0
				for _, r := range resps {
					expectRoomOrDuplicateKey(r, members, "a creation racing identical ones is answered the room, or the duplicate-key error of the insert that lost")
					if r.Status == 200 {
						rooms++
					}
				}
				Expect(rooms).To(BeNumerically(">", 0), "at least one of the concurrent creations succeeds")
				By("creating the DM once more, after the race")
				e.createAs(ctx, u[0], u[1:], u, "after the race the DM exists and is found")
			},
		},
		{At: here(), ID: "SEM-CONCURRENT-GROUP-RELEASED", Level: compat, Since: v3010, Status: 200,
			Title:    "answers concurrent identical group creations with a room of the named users or a duplicate-key error",
			Evidence: append(released, srcSubscriptionIndex()),
			Run: func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 3)
				members := toAny(usernamesOf(u))
				rooms := 0
				for _, r := range e.concurrently(ctx, u[0], u[1:]) {
					expectRoomOrDuplicateKey(r, members, "a group creation racing identical ones is answered a room of the named users, or the duplicate-key error of a subscription insert that lost")
					if r.Status == 200 {
						rooms++
					}
				}
				Expect(rooms).To(BeNumerically(">", 0), "at least one of the concurrent creations succeeds")
			},
		},
		{At: here(), ID: "SEM-CONCURRENT-ONE-TO-ONE", Level: recommended, Since: v0590, Status: 200,
			Title:    "creates one 1:1 room for concurrent identical requests",
			Evidence: ev(why),
			Run: func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 2)
				resps := e.concurrently(ctx, u[0], u[1:])
				for _, r := range resps {
					r.ExpectStatus(200, "concurrent identical creations all succeed")
				}
				for _, r := range resps[1:] {
					r.ExpectField("room.rid", resps[0].String("room.rid"), "concurrent creations of the same DM all get the same room")
				}
			},
		},
		{At: here(), ID: "SEM-CONCURRENT-GROUP", Level: recommended, Since: v3010, Status: 200,
			Title:    "creates one group room for concurrent identical requests",
			Evidence: ev(why),
			Run: func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 3)
				resps := e.concurrently(ctx, u[0], u[1:])
				for _, r := range resps {
					r.ExpectStatus(200, "concurrent identical creations all succeed")
				}
				for _, r := range resps[1:] {
					r.ExpectField("room.rid", resps[0].String("room.rid"), "concurrent creations of the same group DM all get the same room")
				}
			},
		},
	}
}
