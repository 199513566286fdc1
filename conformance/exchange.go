package conformance

// Exchange is a recorded request and its answer, secrets redacted. Reports
// keep it as the evidence of a check.
type Exchange struct {
	Method          string            `json:"method"`
	Path            string            `json:"path"`
	RequestHeaders  map[string]string `json:"requestHeaders,omitempty"`
	RequestBody     string            `json:"requestBody,omitempty"`
	Status          int               `json:"status"`
	ResponseHeaders map[string]string `json:"responseHeaders,omitempty"`
	ResponseBody    string            `json:"responseBody,omitempty"`
	Violations      []string          `json:"violations,omitempty"`
	DurationMillis  float64           `json:"durationMillis"`
}

// ExchangeEntry names the Ginkgo report entries that carry a check's
// exchanges.
const ExchangeEntry = "exchange"
