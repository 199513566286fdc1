package framework

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
)

// A failure message is shown as it is: a % in the promise, the request or
// the answer is no formatting verb.
func TestFailureMessagesKeepPercentSigns(t *testing.T) {
	RegisterTestingT(t)
	body := `{"success":false,"error":"50% of names: %d %s"}`
	r := &Response{
		Status: 400, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body),
		Exchange: conformance.Exchange{Method: "POST", Path: DMCreate, RequestBody: `{"username":"a%b"}`, Status: 400, ResponseBody: body},
	}
	r.jsonOK = json.Unmarshal(r.Body, &r.parsed) == nil
	for name, fail := range map[string]func(){
		"ExpectStatus":      func() { r.ExpectStatus(200, "100% sure") },
		"ExpectField":       func() { r.ExpectField("error", "x", "100% sure") },
		"ExpectNoField":     func() { r.ExpectNoField("error", "100% sure") },
		"ExpectBody":        func() { r.ExpectBody(`{}`, "100% sure") },
		"ExpectContentType": func() { r.ExpectContentType("text/html", "100% sure") },
	} {
		failures := InterceptGomegaFailures(fail)
		if len(failures) != 1 {
			t.Errorf("%s: %d failures, want 1", name, len(failures))
			continue
		}
		msg := failures[0]
		if strings.Contains(msg, "%!") || !strings.Contains(msg, "100% sure") || !strings.Contains(msg, `"a%b"`) || !strings.Contains(msg, "50% of names: %d %s") {
			t.Errorf("%s: the message is garbled:\n%s", name, msg)
		}
	}
}
