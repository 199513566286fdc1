package certify

import (
	"net/http/httptest"
	"testing"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
	"github.com/rcconform/rcconform/suites/dmcreate"
)

// TestDMCreateConformance certifies "our server" at the compat level of the
// release line it claims, in one go test.
func TestDMCreateConformance(t *testing.T) {
	srv := startOurServer(t)
	res := dmcreate.Test(t, dmcreate.Config{
		URL:           srv.URL,
		AdminUser:     "admin",
		AdminPassword: "Our-Admin-Pass-1",
		Level:         conformance.Compat,
		ReportDir:     t.TempDir(),
	})
	if res == nil {
		t.Fatal("no results")
	}
	if res.Summary.Verdict != "conformant" || res.Summary.CertifiedFeatureLevel != conformance.V3180 {
		t.Errorf("verdict %q at feature level %q", res.Summary.Verdict, res.Summary.CertifiedFeatureLevel)
	}
}

// startOurServer stands in for the vendor's own server.
func startOurServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := reference.New(reference.Config{AdminPassword: "Our-Admin-Pass-1", Version: "8.6.1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
