package explore

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/openapi"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// overlayHeader opens a file of suites/dmcreate holding skeletons, with
// every import a skeleton may need.
const overlayHeader = `package dmcreate

import (
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/rcconform/rcconform/suites/framework"
)

var (
	_ = url.QueryEscape
	_ = strings.ToUpper
	_ = By
	_ = Equal
	_ = fw.JSON
)

var _ = []check{
`

// Answers the skeletons pin, and where they differ.
var skeletonAnswers = []struct {
	answer  diff.Answer
	aspects []diff.Aspect
}{
	{diff.Answer{Sent: true, Status: 200, ContentType: "application/json", Body: `{"room":{"_id":"{new id from case}","rid":"{new id from case}","t":"d","usernames":["{caller}","{peer}"]},"success":true}`},
		[]diff.Aspect{{What: "body", Path: "room.usernames[1]"}, {What: "body", Path: "room.rid"}, {What: "body", Path: "room.fname"}}},
	{diff.Answer{Sent: true, Status: 400, ContentType: "application/json", Body: `{"error":"must have required property 'username' [invalid-params]","errorType":"invalid-params","success":false}`},
		[]diff.Aspect{{What: "status"}, {What: "contentType"}, {What: "body", Path: ""}}},
	{diff.Answer{Sent: true, Status: 415, ContentType: "text/html; charset=utf-8", Body: "<!DOCTYPE html>\n<pre>Unsupported Media Type</pre>\n"},
		[]diff.Aspect{{What: "status"}, {What: "body"}}},
	{diff.Answer{Sent: true, Status: 200, ContentType: "application/json", Body: `{"room":{"_id":"{ids of caller,peer sorted}","rid":"{ids of caller,peer sorted}","t":"d","usernames":["{caller}","{peer.id}"]},"success":true}`},
		[]diff.Aspect{{What: "body", Path: "room"}, {What: "body", Path: "success"}}},
}

// TestSkeletonsCompile writes skeletons for generated cases into the
// checks' package, through the go command's overlay (no file changes), and
// builds it: a skeleton is ready to paste.
func TestSkeletonsCompile(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	spec, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	branches, err := spec.RequestBranches(fw.DMCreate)
	if err != nil {
		t.Fatal(err)
	}
	personas, err := fixtures.Personas()
	if err != nil {
		t.Fatal(err)
	}
	g, err := newGenerator(branches, personas, 8)
	if err != nil {
		t.Fatal(err)
	}
	x := &explorer{names: map[string]string{}, since: spec.Since()}
	for _, p := range personas {
		x.names[p.Key] = p.Name
	}
	var b strings.Builder
	b.WriteString(overlayHeader)
	cases := g.cases()
	for i := range 160 {
		x.release = conformance.MustRelease([]string{"8.6.1", "6.14.0"}[i%2])
		a := skeletonAnswers[i%len(skeletonAnswers)]
		c := cases.Example(i)
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		sk := x.skeleton(&outcome{c: c, against: a.answer, aspects: a.aspects}, raw)
		if !strings.Contains(sk, "{At: here(), ID: \"EXPLORE-") {
			t.Fatalf("skeleton %d is not a check of the catalogue's form:\n%s", i, sk)
		}
		b.WriteString(sk + "\n")
	}
	b.WriteString("}\n")

	dir := t.TempDir()
	src := filepath.Join(dir, "skeletons.go")
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	module, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(module, "suites", "dmcreate", "zz_explore_skeletons.go"): src}})
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), gocmd, "vet", "-overlay="+overlayFile, "./suites/dmcreate/")
	cmd.Dir = module
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the skeletons do not build in suites/dmcreate: %v\n%s\n%s", err, out, numbered(b.String()))
	}
}

func numbered(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = fmt.Sprintf("%4d %s", i+1, lines[i])
	}
	return strings.Join(lines, "\n")
}
