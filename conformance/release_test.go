package conformance

import "testing"

func TestParseRelease(t *testing.T) {
	for in, want := range map[string]string{"6.14.0": "6.14.0", "v7.10": "7.10.0", " 8.6.1-rc.2 ": "8.6.1", "9.0.0+build.7": "9.0.0"} {
		if got, err := ParseRelease(in); err != nil || got.String() != want {
			t.Errorf("ParseRelease(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "8", "8.x", "1.2.3.4", "01.2.3", "-1.0.0", "8.6.1.", "latest"} {
		if _, err := ParseRelease(bad); err == nil {
			t.Errorf("ParseRelease(%q) took it", bad)
		}
	}
	if MustRelease("8.10.0").Compare(MustRelease("8.9.9")) != 1 || MustRelease("7.0.0").Compare(MustRelease("7.0.0")) != 0 {
		t.Error("releases compare by number, not as text")
	}
}

func TestReleases(t *testing.T) {
	r := Between("6.0.0", "7.0.0").Or(Between("8.0.0", "9.0.0"))
	for rel, in := range map[string]bool{"5.9.9": false, "6.0.0": true, "6.99.0": true, "7.0.0": false, "8.6.1": true, "9.0.0": false} {
		if r.Contains(MustRelease(rel)) != in {
			t.Errorf("%s contains %s: %v, want %v", r, rel, !in, in)
		}
	}
	for _, s := range []string{r.String(), "all releases", ">=8.0.1", "<6.5.0"} {
		parsed, err := ParseReleases(s)
		if err != nil || parsed.String() != s {
			t.Errorf("ParseReleases(%q) = %q, %v", s, parsed, err)
		}
	}
	for _, bad := range []string{">=7.0.0 <6.0.0", ">=6.0.0 >=7.0.0", "~6.0.0"} {
		if _, err := ParseReleases(bad); err == nil {
			t.Errorf("ParseReleases(%q) took it", bad)
		}
	}
	if !AllReleases.Contains(MustRelease("1.0.0")) || AllReleases.String() != "all releases" {
		t.Error("the empty set is every release")
	}
}
