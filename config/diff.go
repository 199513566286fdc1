package config

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"

	"github.com/rcconform/rcconform/certify"
	"github.com/rcconform/rcconform/targets"
)

// diffSettings binds diff's settings to d; seedGiven records --seed.
func diffSettings(d *certify.Against, seedGiven *bool) []Setting {
	return []Setting{
		{Flag: "against", Env: "RC_AGAINST_URL", Usage: "base URL of the server to compare against (default: the bundled reference at the target's release)", set: str(&d.URL)},
		{Flag: "against-admin-user", Env: "RC_AGAINST_ADMIN_USER", Usage: "admin of that server, who provisions its test users (default: the bundled reference's)", set: str(&d.AdminUser)},
		{Flag: "against-admin-password", Env: "RC_AGAINST_ADMIN_PASSWORD", Usage: "that admin's password (prefer the variable or --against-admin-password-file: a flag shows in ps)", set: str(&d.AdminPassword)},
		{Flag: "against-admin-password-file", Env: "RC_AGAINST_ADMIN_PASSWORD_FILE", Usage: "file holding that admin's password (its first line)", set: passwordFile("against admin", &d.AdminPassword)},
		{Flag: "against-image", Env: "RC_AGAINST_IMAGE", Usage: "image on the local Docker engine to start and compare against", set: str(&d.Image)},
		{Flag: "against-container", Env: "RC_AGAINST_CONTAINER", Bool: true, Usage: "run the bundled reference compared against in a container rather than in-process", set: boolean("RC_AGAINST_CONTAINER", &d.Container)},
		{Flag: "against-rocketchat", Env: "RC_AGAINST_ROCKETCHAT_VERSION", Usage: "start Rocket.Chat of this release with its MongoDB in containers, and compare against it", set: release(&d.RocketChat.Version)},
		// The defaults are in the usage: they are not the run's.
		{Flag: "against-rocketchat-image", Env: "RC_AGAINST_ROCKETCHAT_IMAGE", Usage: "Rocket.Chat's image for --against-rocketchat (default " + targets.DefaultRocketChatImage("VERSION") + ")", set: str(&d.RocketChat.Image)},
		{Flag: "against-mongo-image", Env: "RC_AGAINST_MONGO_IMAGE", Usage: "MongoDB's image for --against-rocketchat (default: one the release supports)", set: str(&d.RocketChat.MongoImage)},
		{Flag: "explore", Env: "RC_EXPLORE", Usage: "also send N generated cases to both servers and compare the answers (default 0)", set: func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("--explore must be a number of cases, not %q", v)
			}
			d.Explore = n
			return nil
		}},
		{Flag: "seed", Env: "RC_SEED", Usage: "seed of the generated cases: the same seed generates the same cases (default: a random one, printed)", set: func(v string) error {
			s, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("--seed must be a non-negative integer, not %q", v)
			}
			d.Seed, *seedGiven = s, true
			return nil
		}},
	}
}

// LoadDiff reads the settings of rcconform diff, run's and its own, as Load
// does, and validates them; without --seed it draws a random one.
func LoadDiff(fs *flag.FlagSet, args []string, getenv func(string) string) (certify.Plan, certify.Against, error) {
	var c certify.Plan
	var d certify.Against
	seedGiven := false
	// diff's own first: of two wrong variables, one of these is named.
	if err := loadSettings("diff", fs, args, getenv, slices.Concat(diffSettings(&d, &seedGiven), runSettings(&c))); err != nil {
		return certify.Plan{}, d, err
	}
	if err := check(c); err != nil {
		return c, d, err
	}
	if c.RerunFailed != "" {
		return c, d, errors.New("--rerun-failed (RC_RERUN_FAILED) is for rcconform run; a comparison runs every selected check")
	}
	if err := checkAgainst(d); err != nil {
		return c, d, err
	}
	if !seedGiven {
		// Below 2^53, so that diff.json carries it exactly to any reader.
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		d.Seed = binary.LittleEndian.Uint64(b[:]) & (1<<53 - 1)
	}
	return c, d, nil
}

// checkAgainst says what is wrong with the settings of the server compared
// against.
func checkAgainst(d certify.Against) error {
	given := 0
	for _, set := range []bool{d.URL != "", d.Image != "", d.RocketChat.Version != "", d.Container} {
		if set {
			given++
		}
	}
	bundled := d.URL == "" && d.Image == "" && d.RocketChat.Version == ""
	switch {
	case given > 1:
		return errors.New("give one of --against, --against-image, --against-rocketchat and --against-container")
	case d.RocketChat.Version == "" && (d.RocketChat.Image != "" || d.RocketChat.MongoImage != ""):
		return errors.New("--against-rocketchat-image and --against-mongo-image go with --against-rocketchat VERSION")
	case bundled && (d.AdminUser != "" || d.AdminPassword != ""):
		return errors.New("the bundled reference compared against has its own admin; --against-admin-user and --against-admin-password go with --against, --against-image or --against-rocketchat")
	}
	if d.URL != "" {
		return CheckServerURL("--against", d.URL, "--against-admin-user", "--against-admin-password-file")
	}
	return nil
}
