package framework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/openapi"
)

// State is what process 1 sets up and every parallel process receives.
type State struct {
	Target   Target        `json:"target"`
	Version  string        `json:"version"`
	MaxUsers int           `json:"maxUsers"`
	Cast     fixtures.Cast `json:"cast"`
}

// Env is one process's view of the run: the state and a client for it.
type Env struct {
	State
	Client *Client
	API    *fixtures.API
}

// User returns a provisioned persona.
func (e *Env) User(key string) fixtures.User { return e.Cast.User(key) }

// Creds returns a persona's credentials.
func (e *Env) Creds(key string) *fixtures.Credentials {
	c := e.Cast.User(key).Creds
	return &c
}

// SetupSuite starts the target and provisions the personas; it registers
// their removal with DeferCleanup so it happens on every exit path,
// interrupts included. It runs on process 1 and returns the State for all.
func SetupSuite(ctx context.Context, cfg Config) []byte {
	GinkgoHelper()
	target, err := StartTarget(ctx, cfg)
	if err != nil {
		Fail(cannotRun(err))
	}
	DeferCleanup(func(ctx SpecContext) {
		if err := target.Stop(ctx); err != nil {
			fmt.Fprintf(GinkgoWriter, "rcconform: %v\n", err)
		}
	}, NodeTimeout(time.Minute))
	fmt.Fprintf(GinkgoWriter, "rcconform: target %s: %s\n", target.URL, target.Note)

	api := newAPI(cfg, target.URL)
	personas, err := fixtures.Personas()
	if err != nil {
		Fail(err.Error())
	}
	cast, err := fixtures.Provision(ctx, api, cfg.AdminUser, cfg.AdminPassword, fixtures.NewRunID(), personas)
	if err != nil {
		Fail(cannotRun(err))
	}
	DeferCleanup(func(ctx SpecContext) {
		if err := cast.Cleanup(ctx, api); err != nil {
			fmt.Fprintf(GinkgoWriter, "rcconform: some test users could not be deleted: %v\n", err)
		}
	}, NodeTimeout(2*time.Minute))
	version, _ := api.Info(ctx)
	state, err := json.Marshal(State{Target: *target, Version: version, MaxUsers: cfg.MaxUsers, Cast: *cast})
	if err != nil {
		Fail("encode the suite state: " + err.Error())
	}
	return state
}

// Connect builds this process's Env from the state process 1 shared.
func Connect(cfg Config, data []byte) *Env {
	GinkgoHelper()
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		Fail("decode the suite state: " + err.Error())
	}
	spec, err := openapi.Load()
	if err != nil {
		Fail("load the embedded OpenAPI spec: " + err.Error())
	}
	api := newAPI(cfg, st.Target.URL)
	return &Env{State: st, API: api, Client: &Client{
		BaseURL: st.Target.URL, HTTP: api.HTTP, Spec: spec,
		Secrets: append(st.Cast.Secrets(), cfg.AdminPassword),
	}}
}

func newAPI(cfg Config, base string) *fixtures.API {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return &fixtures.API{BaseURL: base, HTTP: &http.Client{
		Timeout:   cfg.HTTPTimeout,
		Transport: &rest.Transport{Base: tr, Budget: cfg.RateLimitBudget},
	}}
}

// cannotRun is the failure message of a run that could not happen: the
// prefix and one sentence, then the details on the following lines.
func cannotRun(err error) string {
	var ce *rest.CannotRun
	if errors.As(err, &ce) {
		msg := CannotRunPrefix + ce.Reason
		if ce.Err != nil {
			msg += "\n" + ce.Err.Error()
		}
		if err != error(ce) {
			msg += "\n" + err.Error()
		}
		return msg
	}
	return CannotRunPrefix + err.Error()
}
