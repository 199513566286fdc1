package explore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/rcapi"
)

// A generated case belongs to no check, so no check's verdict says which
// variant an answer is. Instead, a case the two servers answer differently
// is sent to references at the release that emulate the target's variants,
// the other server's, and each dimension where they differ on its own
// (diff.Variation.Candidates): when the target answers as one its
// fingerprint allows and the other server as one its own allows, the
// difference is known variation.

// alternate is such a reference, its admin logged in.
type alternate struct {
	*endpoint
	variants map[string]string
}

// startAlternates logs in at the alternates the caller started, or starts
// its own when the variation asks for some.
func (x *explorer) startAlternates(ctx context.Context) error {
	v := x.cfg.Variation
	alts := x.cfg.Alternates
	if alts == nil && len(v.Candidates()) > 0 {
		started, stop, err := diff.StartAlternates(v, x.cfg.MaxUsers)
		if err != nil {
			return err
		}
		alts, x.stop = started, stop
	}
	for _, a := range alts {
		s := &endpoint{name: a.Name(), url: a.URL, runID: fixtures.NewRunID(), client: newClient(x.cfg)}
		s.api = &rcapi.Client{BaseURL: s.url, HTTP: s.client}
		var err error
		if s.admin, err = fixtures.AdminLogin(ctx, s.api, a.AdminUser, a.AdminPassword); err != nil {
			x.stopAlternates()
			return fmt.Errorf("log in at %s: %w", a.Name(), err)
		}
		s.user = diff.User{Key: diff.ServerAdmin, ID: s.admin.UserID, Username: a.AdminUser, Token: s.admin.Token}
		x.alternates = append(x.alternates, &alternate{endpoint: s, variants: a.Variants})
	}
	return nil
}

// stopAlternates stops the alternates this exploration started.
func (x *explorer) stopAlternates() {
	if x.stop != nil {
		x.stop()
		x.stop = nil
	}
	x.alternates = nil
}

// explain sends a case the servers answered differently to every
// alternate, and explains the difference when the target answers as one
// whose variants it may have and the server compared against as another
// whose variants it may have; of several such pairs, the one that differs
// along the fewest dimensions. nil means a real difference.
func (x *explorer) explain(ctx context.Context, n int64, keys []string, tmpl template, target, against diff.Answer) (*diff.Explanation, error) {
	if len(x.alternates) == 0 {
		return nil, nil
	}
	servers := make([]*endpoint, len(x.alternates))
	for i, a := range x.alternates {
		servers[i] = a.endpoint
	}
	answers, err := x.runAt(ctx, n, keys, tmpl, servers)
	if err != nil {
		return nil, err
	}
	v := x.cfg.Variation
	var asTarget, asAgainst []map[string]string
	for i, a := range x.alternates {
		if len(diff.Compare(target, answers[i])) == 0 {
			asTarget = append(asTarget, a.variants)
		}
		if len(diff.Compare(against, answers[i])) == 0 {
			asAgainst = append(asAgainst, a.variants)
		}
	}
	var best *diff.Explanation
	for _, t := range asTarget {
		for _, a := range asAgainst {
			if e := v.ExplainAnswers(t, a); e != nil && (best == nil || len(e.Dimensions) < len(best.Dimensions)) {
				best = e
			}
		}
	}
	return best, nil
}

// runAt runs a case at each server, each with personas of its own made
// for it, and deletes them afterwards.
func (x *explorer) runAt(ctx context.Context, n int64, keys []string, tmpl template, servers []*endpoint) ([]diff.Answer, error) {
	casts := make([]*fixtures.Cast, len(servers))
	answers := make([]diff.Answer, len(servers))
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() {
			casts[i], errs[i] = s.provision(ctx, n, x.ordered(keys))
			if errs[i] == nil {
				answers[i], errs[i] = s.send(ctx, tmpl, casts[i])
			}
		})
	}
	wg.Wait()
	for i, s := range servers {
		wg.Go(func() {
			if casts[i] != nil {
				// Best effort: a user left behind has a run-unique name.
				_ = casts[i].Cleanup(context.WithoutCancel(ctx), s.api)
			}
		})
	}
	defer wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return answers, nil
}
