package diff

import (
	"fmt"
	"net"

	"github.com/rcconform/rcconform/reference"
)

// Alternate is a bundled reference at the comparison's release, on
// loopback, that emulates one assignment of the open dimensions (one of
// Variation.Candidates): what a server with those variants answers.
type Alternate struct {
	Endpoint
	Variants map[string]string
}

// Name is the alternate in a few words.
func (a Alternate) Name() string { return "the reference with " + FormatVariants(a.Variants) }

// StartAlternates starts a reference for each of v's candidates, with
// maxUsers as the servers compared have it. The caller calls stop once the
// comparison is over; on an error nothing stays running.
func StartAlternates(v *Variation, maxUsers int) (alts []Alternate, stop func(), err error) {
	var closers []func() error
	stop = func() {
		for _, c := range closers {
			_ = c()
		}
	}
	def := reference.DefaultConfig()
	for _, set := range v.Candidates() {
		srv, err := reference.New(reference.Config{Version: v.Release, Variants: set, MaxUsers: maxUsers})
		if err == nil {
			var ln net.Listener
			if ln, err = net.Listen("tcp", "127.0.0.1:0"); err == nil {
				// Closing, not shutting down: the comparison is over, and an
				// idle connection would hold a graceful shutdown.
				hs := reference.NewHTTPServer(ln.Addr().String(), srv)
				go func() { _ = hs.Serve(ln) }()
				closers = append(closers, hs.Close)
				alts = append(alts, Alternate{Endpoint: Endpoint{URL: "http://" + ln.Addr().String(), AdminUser: def.AdminUsername, AdminPassword: def.AdminPassword}, Variants: set})
				continue
			}
		}
		stop()
		return nil, func() {}, fmt.Errorf("start the reference at %s with %s: %w", v.Release, FormatVariants(set), err)
	}
	return alts, stop, nil
}
