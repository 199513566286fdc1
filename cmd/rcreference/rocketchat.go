package main

import (
	"fmt"
	"log"
	"maps"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rcconform/rcconform/reference"
)

// mongoWait bounds how long a start waits for MONGO_URL's server, as
// Rocket.Chat does not start without its database.
const mongoWait = 30 * time.Second

// rocketChatEnv configures the reference from the environment Rocket.Chat's
// official image reads, so that the reference can stand in for that image
// in a compose file or a test: the listen port (PORT), the public URL
// (ROOT_URL), the first admin (ADMIN_USERNAME, ADMIN_PASS, ADMIN_EMAIL), the
// REST rate limiter (OVERWRITE_SETTING_API_Enable_Rate_Limiter; on by
// default with Rocket.Chat's 10 calls a minute) and the database (MONGO_URL,
// whose first host must accept a connection). The release to emulate is
// RCCONFORM_RELEASE, and RCCONFORM_VARIANTS (DIMENSION=VARIANT, comma-
// separated) picks variants, overriding --variant for the same dimension.
// It returns the listen address.
func rocketChatEnv(cfg *reference.Config, getenv func(string) string) (string, error) {
	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	if root := getenv("ROOT_URL"); root != "" {
		if u, err := url.Parse(root); err != nil || u.Host == "" {
			return "", fmt.Errorf("ROOT_URL %q is not a URL", root)
		}
	}
	if v := getenv("RCCONFORM_RELEASE"); v != "" {
		cfg.Version = v
	}
	if err := envVariants(cfg, getenv("RCCONFORM_VARIANTS")); err != nil {
		return "", fmt.Errorf("RCCONFORM_VARIANTS: %w", err)
	}
	cfg.AdminEmail = getenv("ADMIN_EMAIL")
	cfg.RateLimit = reference.RateLimit{Calls: 10, Window: time.Minute}
	if strings.EqualFold(getenv("OVERWRITE_SETTING_API_Enable_Rate_Limiter"), "false") {
		cfg.RateLimit = reference.RateLimit{}
	}
	host, err := mongoHost(getenv("MONGO_URL"))
	if err != nil {
		return "", err
	}
	if err := waitFor(host, mongoWait); err != nil {
		return "", fmt.Errorf("MongoDB at %s does not answer, so the server cannot start: %w", host, err)
	}
	log.New(os.Stderr, "", 0).Printf("connected to MongoDB at %s", host)
	return "0.0.0.0:" + port, nil
}

// envVariants adds the variants of a comma-separated DIMENSION=VARIANT list
// to cfg.Variants; empty entries are skipped.
func envVariants(cfg *reference.Config, list string) error {
	given := variantFlags{}
	for _, entry := range strings.Split(list, ",") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		if err := given.Set(entry); err != nil {
			return err
		}
	}
	if len(given) == 0 {
		return nil
	}
	// A new map, so that the caller's (the --variant flags) is left as it is.
	merged := map[string]string{}
	maps.Copy(merged, cfg.Variants)
	maps.Copy(merged, given)
	cfg.Variants = merged
	return nil
}

// mongoHost is the first host:port of a mongodb:// connection string.
func mongoHost(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("MONGO_URL is not set; Rocket.Chat needs its MongoDB")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mongodb" || u.Host == "" {
		return "", fmt.Errorf("MONGO_URL %q is not a mongodb:// URL", raw)
	}
	host, _, _ := strings.Cut(u.Host, ",")
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "27017")
	}
	return host, nil
}

func waitFor(host string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		conn, err := net.DialTimeout("tcp", host, time.Second)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
