package ginkgosuite

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/reference"
	"github.com/rcconform/rcconform/suites/dmcreate"
)

func TestOurSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "our server")
}

// cfg is filled in by BeforeSuite, once our server runs; the checks read it
// when the first of them starts.
var cfg = dmcreate.Config{AdminUser: "admin", AdminPassword: "Our-Admin-Pass-2", RCVersion: "6.14.0"}

var srv *httptest.Server

var _ = BeforeSuite(func() {
	h, err := reference.New(reference.Config{AdminPassword: "Our-Admin-Pass-2", Version: "6.14.0"})
	Expect(err).NotTo(HaveOccurred())
	srv = httptest.NewServer(h)
	cfg.URL = srv.URL
})

// The certification, inside our own tree.
var session = dmcreate.GinkgoTest(&cfg)

var _ = AfterSuite(func(ctx SpecContext) {
	Expect(session.Cleanup(ctx)).To(Succeed())
	srv.Close()
})

// A spec of our own, next to the checks.
var _ = Describe("our server", func() {
	It("answers GET /api/info", func(ctx context.Context) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/info", nil)
		Expect(err).NotTo(HaveOccurred())
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
	})
})
