package targets

import (
	"context"
	"fmt"
	"net"
	"net/url"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/rest"
)

// CheckTransport refuses a plain-http URL whose host is, or resolves to, an
// address that is neither loopback nor private: the admin's password and
// the users' tokens would cross a network in clear. https, loopback and
// private addresses (a CI network, a container) pass. Failures are
// *conformance.CannotRun, returned before anything is sent.
func CheckTransport(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return &conformance.CannotRun{Reason: fmt.Sprintf("the target %q is not a URL", rest.RedactURL(raw)), Err: err}
	}
	if u.Scheme != "http" {
		return nil
	}
	host := u.Hostname()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return &conformance.CannotRun{Reason: fmt.Sprintf("the target host %q does not resolve; check --target", host), Err: err}
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() && !ip.IP.IsPrivate() && !ip.IP.IsLinkLocalUnicast() {
			return &conformance.CannotRun{Reason: fmt.Sprintf(
				"the target %s is plain http on the public address %s, so the admin's password would cross the network in clear; use https, or pass --allow-insecure if you accept that",
				rest.RedactURL(raw), ip.IP)}
		}
	}
	return nil
}
