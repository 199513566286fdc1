package rest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/rcconform/rcconform/conformance"
)

// ClientOptions say how the harness talks to a server.
type ClientOptions struct {
	// Timeout bounds each call, unless Base has its own.
	Timeout time.Duration
	// Budget is the total time the client may wait on HTTP 429.
	Budget time.Duration
	// Base, when set, is a caller's client whose transport and timeout are
	// used; it is not changed.
	Base *http.Client
}

// NewClient is the one HTTP client every call of the harness to a server
// goes through: it waits on Rocket.Chat's rate limiter within the budget
// and follows no redirect (following one would take the admin's password
// or a token wherever it points).
func NewClient(o ClientOptions) *http.Client {
	client := &http.Client{Timeout: o.Timeout}
	var rt http.RoundTripper
	if o.Base != nil {
		*client = *o.Base
		if client.Timeout == 0 {
			client.Timeout = o.Timeout
		}
		rt = client.Transport
	}
	if rt == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		rt = tr
	}
	client.Transport = &Transport{Base: rt, Budget: o.Budget}
	client.CheckRedirect = refuseRedirect
	return client
}

// refuseRedirect stops at the first redirect, saying what to do.
func refuseRedirect(req *http.Request, via []*http.Request) error {
	from := via[len(via)-1]
	return &conformance.CannotRun{Reason: fmt.Sprintf(
		"the target answered %s %s with a redirect to %s; rcconform follows no redirect, so that credentials never reach another origin; if that is the server to certify, pass --target %s://%s",
		from.Method, from.URL.Path, req.URL.Redacted(), req.URL.Scheme, req.URL.Host)}
}
