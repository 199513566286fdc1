package main

import (
	"maps"
	"net"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/reference"
)

func TestVariantFlags(t *testing.T) {
	v := variantFlags{}
	for _, s := range []string{"names=exact", " empty-name=dropped ", "names=exact"} {
		if err := v.Set(s); err != nil {
			t.Fatalf("Set(%q): %v", s, err)
		}
	}
	// Written in the model's order of dimensions, whatever the order given.
	if got, want := v.String(), "names=exact,empty-name=dropped"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for s, says := range map[string]string{
		"names":        "DIMENSION=VARIANT",
		"names=fuzzy":  `"fuzzy"`,
		"colour=blue":  `"colour"`,
		"names=lookup": "given twice",
	} {
		if err := v.Set(s); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("Set(%q): %v, want an error saying %s", s, err, says)
		}
	}
}

func TestRunRefuses(t *testing.T) {
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--variant", "names=fuzzy"}, `"fuzzy"`},
		{[]string{"--rc-version", "10.0.0"}, "10.0.0"},
		{[]string{"--rc-version", "7.2.0", "--variant", "names=exact"}, "allows lookup"},
		{[]string{"--rc-version", "7.10.0", "--variant", "names=exact"}, "contradict"},
		{[]string{"--max-users", "0"}, "--max-users"},
	} {
		if err := run(c.args); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("run(%q): %v, want an error saying %s", c.args, err, c.says)
		}
	}
	if err := run([]string{"--help"}); err != nil {
		t.Errorf("--help: %v", err)
	}
}

// TestRocketChatEnvVariants: RCCONFORM_RELEASE and RCCONFORM_VARIANTS
// configure the release, the latter over --variant for the same dimension.
func TestRocketChatEnvVariants(t *testing.T) {
	mongo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mongo.Close()
	env := func(release, variants string) func(string) string {
		return func(key string) string {
			return map[string]string{
				"MONGO_URL":          "mongodb://" + mongo.Addr().String() + "/rocketchat",
				"RCCONFORM_RELEASE":  release,
				"RCCONFORM_VARIANTS": variants,
			}[key]
		}
	}
	cfg := reference.Config{Variants: map[string]string{"names": "lookup", "coercion": "coerce"}}
	if _, err := rocketChatEnv(&cfg, env("8.4.0", " names=exact, empty-name=dropped,,one-to-one-rid=generated ")); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"names": "exact", "coercion": "coerce", "empty-name": "dropped", "one-to-one-rid": "generated"}
	if cfg.Version != "8.4.0" || !maps.Equal(cfg.Variants, want) {
		t.Errorf("version %s, variants %v; want 8.4.0, %v", cfg.Version, cfg.Variants, want)
	}
	if _, err := reference.New(cfg); err != nil {
		t.Errorf("New: %v", err)
	}

	cfg = reference.Config{}
	if _, err := rocketChatEnv(&cfg, env("", "")); err != nil || cfg.Variants != nil {
		t.Errorf("no RCCONFORM_VARIANTS: variants %v, %v", cfg.Variants, err)
	}
	for _, bad := range []string{"names", "names=fuzzy", "names=exact,names=lookup"} {
		if _, err := rocketChatEnv(&reference.Config{}, env("", bad)); err == nil || !strings.Contains(err.Error(), "RCCONFORM_VARIANTS") {
			t.Errorf("RCCONFORM_VARIANTS=%q: %v", bad, err)
		}
	}
}
