package openapi

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

func mustLoad(t testing.TB) *Spec {
	t.Helper()
	s, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func TestLoad(t *testing.T) {
	s := mustLoad(t)
	if got := s.Doc.OpenAPI; got != "3.0.3" {
		t.Errorf("openapi version = %q, want 3.0.3", got)
	}
	if len(s.Doc.Servers) != 0 {
		t.Errorf("servers = %v, want none", s.Doc.Servers)
	}
	if len(s.ExampleProblems) != 0 {
		t.Errorf("ExampleProblems = %v", s.ExampleProblems)
	}
	again, err := Load()
	if err != nil || again != s {
		t.Errorf("second Load = %p, %v; want the shared spec %p", again, err, s)
	}
}

func TestDigest(t *testing.T) {
	sum := sha256.Sum256(Document)
	want := "sha256:" + hex.EncodeToString(sum[:])
	if got := Digest(); got != want {
		t.Errorf("Digest() = %q, want %q", got, want)
	}
	if again := Digest(); again != want {
		t.Errorf("second Digest() = %q, want %q", again, want)
	}
}

func TestSince(t *testing.T) {
	got := mustLoad(t).Since()
	want := map[string]string{"username": "0.59.0", "usernames": "3.1.0", "excludeSelf": "3.18.0"}
	if len(got) != len(want) {
		t.Errorf("Since() = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Since()[%q] = %q, want %q", k, got[k], v)
		}
	}
}

func TestChangelog(t *testing.T) {
	entries := mustLoad(t).Changelog()
	var versions []string
	for _, e := range entries {
		if e.Description == "" {
			t.Errorf("entry %s has no description", e.Version)
		}
		versions = append(versions, e.Version)
	}
	if len(versions) < 3 || !slices.Equal(versions[:3], []string{"0.59.0", "3.1.0", "3.18.0"}) {
		t.Errorf("changelog versions = %v, want to start with 0.59.0, 3.1.0, 3.18.0", versions)
	}
}

func TestOperations(t *testing.T) {
	s := mustLoad(t)
	statuses := []int{200, 400, 401, 429}
	want := []Operation{
		{Method: "POST", Path: "/api/v1/dm.create", OperationID: "dm.create", Statuses: statuses},
		{Method: "POST", Path: "/api/v1/im.create", OperationID: "im.create", Statuses: statuses},
	}
	got := s.Operations()
	if !slices.EqualFunc(got, want, func(a, b Operation) bool {
		return a.Method == b.Method && a.Path == b.Path && a.OperationID == b.OperationID && slices.Equal(a.Statuses, b.Statuses)
	}) {
		t.Errorf("Operations() = %v, want %v", got, want)
	}
	got[0].Statuses[0] = 999
	if s.Operations()[0].Statuses[0] != 200 {
		t.Error("Operations() exposes the spec's own slices")
	}
}

func TestDocumentedStatuses(t *testing.T) {
	s := mustLoad(t)
	tests := []struct {
		method, path string
		want         []int
	}{
		{"POST", "/api/v1/dm.create", []int{200, 400, 401, 429}},
		{"POST", "/api/v1/im.create", []int{200, 400, 401, 429}},
		{"POST", "/api/v1/dm.create?foo=bar", []int{200, 400, 401, 429}},
		{"POST", "http://127.0.0.1:39999/api/v1/im.create", []int{200, 400, 401, 429}},
		{"GET", "/api/v1/dm.create", nil},
		{"POST", "/api/v1/dm.delete", nil},
		{"POST", "::not a path", nil},
	}
	for _, tt := range tests {
		if got := s.DocumentedStatuses(tt.method, tt.path); !slices.Equal(got, tt.want) {
			t.Errorf("DocumentedStatuses(%s, %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestLoadDataErrors(t *testing.T) {
	const head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
	tests := []struct {
		name, doc, want string
	}{
		{"not YAML", "{{{", "parse OpenAPI document"},
		{"no info", "openapi: 3.0.3\npaths: {}\n", "validate OpenAPI document"},
		{"no operations", head + "paths: {}\n", "no operations"},
		{"bad changelog", head + `paths:
  /x:
    post:
      x-rc-changelog: [1, 2]
      responses: {'200': {description: ok}}
`, "x-rc-changelog of POST /x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadData([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadData error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestLoadDataKeepsBadExamples(t *testing.T) {
	doc := `openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'https://example.com/base/'}]
paths:
  /x:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [a]}
              example: {b: 1}
`
	s, err := LoadData([]byte(doc))
	if err != nil {
		t.Fatalf("LoadData: %v", err)
	}
	if len(s.ExampleProblems) != 1 || !strings.Contains(s.ExampleProblems[0], `"a"`) {
		t.Errorf("ExampleProblems = %q, want one naming property a", s.ExampleProblems)
	}
	if len(s.Doc.Servers) != 1 || s.Doc.Servers[0].URL != "/base" {
		t.Errorf("servers = %v, want the relative /base", s.Doc.Servers)
	}
	if got := s.DocumentedStatuses("GET", "http://10.0.0.1:8080/base/x"); !slices.Equal(got, []int{200}) {
		t.Errorf("DocumentedStatuses on another host = %v, want [200]", got)
	}
}
