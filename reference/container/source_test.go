package container

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// The image tag follows what a build reads, and only that: a changed
// source file or embedded file gives a new tag; a test, a nested module,
// testdata, a hidden folder or a built binary does not.
func TestHashSourceFollowsWhatABuildReads(t *testing.T) {
	root := t.TempDir()
	write := func(rel, data string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
	}
	tag := func() string {
		t.Helper()
		h := sha256.New()
		if err := hashSource(h, root); err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	write("go.mod", "module example.com/m\n", 0o644)
	write("reference/server.go", "package reference\n", 0o644)
	write("reference/Dockerfile", "FROM scratch\n", 0o644)
	base := tag()
	if tag() != base {
		t.Fatal("the same source gave two tags")
	}

	for _, ignored := range []struct{ rel, why string }{
		{"reference/server_test.go", "a test"},
		{"reference/testdata/x.json", "testdata"},
		{".git/HEAD", "a hidden folder"},
		{"build/report/results.json", "what a build writes"},
		{"examples/vendor/go.mod", "a nested module"},
		{"examples/vendor/main.go", "a nested module's source"},
	} {
		write(ignored.rel, "anything", 0o644)
		if tag() != base {
			t.Errorf("%s (%s) changed the tag", ignored.rel, ignored.why)
		}
	}
	write("rcreference", "\x7fELF", 0o755)
	if tag() != base {
		t.Error("a built binary in the tree changed the tag")
	}

	for _, changed := range []string{"reference/server.go", "reference/Dockerfile", "go.mod", "go.sum"} {
		write(changed, "changed\n", 0o644)
		next := tag()
		if next == base {
			t.Errorf("changing %s left the tag as it was", changed)
		}
		base = next
	}
}

// Two runs from the same tree look up the same image.
func TestSourceTagIsStableForThisSource(t *testing.T) {
	a, err := sourceTag()
	if err != nil {
		t.Fatal(err)
	}
	b, err := sourceTag()
	if err != nil {
		t.Fatal(err)
	}
	if a != b || len(a) != 12 {
		t.Fatalf("sourceTag() = %q then %q; want the same 12 hex digits", a, b)
	}
}
