package targets

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
)

func TestResolvedKind(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want Kind
	}{
		{Config{URL: "http://x"}, URL},
		{Config{Image: "i"}, Image},
		{Config{RocketChat: RocketChatConfig{Version: "8.6.1"}}, RocketChat},
		{Config{}, Auto},
		{Config{Kind: InProcess}, InProcess},
		{Config{Kind: Container, URL: "http://x"}, Container}, // a forced kind stays
	} {
		if got := tc.cfg.ResolvedKind(); got != tc.want {
			t.Errorf("%+v: ResolvedKind() = %q, want %q", tc.cfg, got, tc.want)
		}
	}
}

func TestDefaultImages(t *testing.T) {
	for version, want := range map[string]string{
		"6.13.1": "6.0-ubi8", "7.10.2": "7.0-ubi8", "8.0.1": "8.0-ubi8", "9.0.0": "8.0-ubi8", "latest": "8.0-ubi8",
	} {
		if got := DefaultMongoImage(version); !strings.HasSuffix(got, ":"+want) {
			t.Errorf("DefaultMongoImage(%s) = %s, want the %s image", version, got, want)
		}
	}
	if got := DefaultRocketChatImage("7.10.2"); got != "registry.rocket.chat/rocketchat/rocket.chat:7.10.2" {
		t.Errorf("DefaultRocketChatImage = %s", got)
	}
}

// Rocket.Chat is set up through its environment: the admin the run logs in
// as, and whatever would stand in a test's way turned off.
func TestRocketChatEnv(t *testing.T) {
	env := rocketChatEnv(Config{AdminUser: "boss", AdminPassword: "pw"})
	for k, want := range map[string]string{
		"ADMIN_USERNAME": "boss", "ADMIN_PASS": "pw", "OVERWRITE_SETTING_Show_Setup_Wizard": "completed",
		"OVERWRITE_SETTING_API_Enable_Rate_Limiter": "false", "OVERWRITE_SETTING_Accounts_TwoFactorAuthentication_Enabled": "false",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
}

func TestCheckTransport(t *testing.T) {
	ctx := context.Background()
	for _, ok := range []string{"https://203.0.113.7", "http://127.0.0.1:3000", "http://10.1.2.3", "http://[::1]:3000", "http://localhost:1"} {
		if err := CheckTransport(ctx, ok); err != nil {
			t.Errorf("CheckTransport(%s) = %v, want nil", ok, err)
		}
	}
	var ce *conformance.CannotRun
	if err := CheckTransport(ctx, "http://203.0.113.7:3000"); !errors.As(err, &ce) || !strings.Contains(ce.Reason, "--allow-insecure") {
		t.Errorf("plain http to a public address: %v", err)
	}
	if err := CheckTransport(ctx, "http://no-such-host.invalid"); !errors.As(err, &ce) || !strings.Contains(ce.Reason, "does not resolve") {
		t.Errorf("an unknown host: %v", err)
	}
}

// The in-process target is the reference with the run's admin, at the
// configured release and variants; Stop ends it.
func TestInProcess(t *testing.T) {
	tg, err := Start(context.Background(), Config{Kind: InProcess, AdminUser: "boss", AdminPassword: "pw",
		Reference: reference.Config{Version: "7.10.0", Variants: map[string]string{conformance.DimNames: conformance.Exact, conformance.DimRID: conformance.Generated, conformance.DimEmptyName: conformance.DroppedName}}})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Kind != InProcess || !strings.HasPrefix(tg.URL, "http://127.0.0.1:") || tg.Note == "" {
		t.Errorf("target %+v", tg)
	}
	if err := tg.Stop(context.Background()); err != nil {
		t.Error(err)
	}
	if _, err := Start(context.Background(), Config{Kind: InProcess, Reference: reference.Config{Version: "7.5.0", Variants: map[string]string{conformance.DimNames: conformance.Exact}}}); err == nil {
		t.Error("an excluded variant started")
	}
	var ce *conformance.CannotRun
	if _, err := Start(context.Background(), Config{Kind: URL}); !errors.As(err, &ce) {
		t.Errorf("a URL target without its URL: %v", err)
	}
}
