package explore

import (
	"flag"
	"fmt"
	"sync"
	"testing"
)

// rapidMu serialises explorations: rapid reads its settings from
// process-wide command-line flags.
var rapidMu sync.Mutex

// withRapid runs f with rapid's flags set to settings, and restores them.
// rapid asks testing.Short(), which outside `go test` needs the testing
// flags registered and parsed, so that is done first when needed.
func withRapid(settings map[string]string, f func()) error {
	rapidMu.Lock()
	defer rapidMu.Unlock()
	testing.Init()
	if !flag.Parsed() {
		if err := flag.CommandLine.Parse(nil); err != nil {
			return fmt.Errorf("prepare rapid's flags: %w", err)
		}
	}
	saved := map[string]string{}
	defer func() {
		for name, v := range saved {
			_ = flag.Set(name, v) // it held this value a moment ago
		}
	}()
	for name, v := range settings {
		fl := flag.Lookup(name)
		if fl == nil {
			return fmt.Errorf("rapid has no flag %s", name)
		}
		saved[name] = fl.Value.String()
		if err := fl.Value.Set(v); err != nil {
			return fmt.Errorf("set rapid's flag %s to %q: %w", name, v, err)
		}
	}
	f()
	return nil
}

// roundSeed derives each round's seed from the run's (splitmix64), never
// 0, which rapid takes for "pick one at random".
func roundSeed(seed uint64, round int) uint64 {
	z := seed + uint64(round+1)*0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	z ^= z >> 31
	return max(z, 1)
}

// rapidTB stands in for a *testing.T. A failing property is a difference,
// which the explorer records itself, so what rapid reports is dropped.
type rapidTB struct{ failed bool }

func (*rapidTB) Helper()                 {}
func (*rapidTB) Name() string            { return "rcconform-explore" }
func (*rapidTB) Logf(string, ...any)     {}
func (*rapidTB) Log(...any)              {}
func (*rapidTB) Skipf(string, ...any)    {}
func (*rapidTB) Skip(...any)             {}
func (*rapidTB) SkipNow()                {}
func (t *rapidTB) Errorf(string, ...any) { t.failed = true }
func (t *rapidTB) Error(...any)          { t.failed = true }
func (t *rapidTB) Fatalf(string, ...any) { t.failed = true }
func (t *rapidTB) Fatal(...any)          { t.failed = true }
func (t *rapidTB) FailNow()              { t.failed = true }
func (t *rapidTB) Fail()                 { t.failed = true }
func (t *rapidTB) Failed() bool          { return t.failed }
