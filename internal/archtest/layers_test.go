package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/rcconform/rcconform/"

// layers lists the module's packages from the bottom up, as ARCHITECTURE.md
// draws them. A package may import packages of lower layers only.
var layers = [][]string{
	{"conformance"},
	{"openapi", "internal/rest", "internal/refproc"},
	{"internal/oracle", "rcapi", "reference"},
	{"fixtures", "report", "reference/container"},
	{"suites/framework"},
	{"suites/dmcreate"},
	{"targets"},
	{"diff", "internal/standin"},
	{"explore"},
	{"certify"},
	{"config"},
	{"cmd/rcconform", "cmd/rcreference", "cmd/rcverify", "cmd/rcbench", "cmd/rcfidelity", "cmd/rcstandin", "cmd/rcmongostandin",
		"detection", "suites/remote", "internal/archtest"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportsGoDownTheLayers(t *testing.T) {
	layer := map[string]int{}
	for i, ps := range layers {
		for _, p := range ps {
			layer[p] = i
		}
	}
	out, err := exec.Command("go", "list", "-json", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		mine, ok := layer[name]
		if !ok {
			t.Errorf("%s is in no layer: place it in layers and in ARCHITECTURE.md", name)
			continue
		}
		// Tests may run a package through a higher layer (an external test
		// package); the package itself may not reach up.
		for _, imp := range p.Imports {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			if l, ok := layer[dep]; ok && l >= mine {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports go down the layers", name, mine, dep, l)
			}
		}
	}
}
