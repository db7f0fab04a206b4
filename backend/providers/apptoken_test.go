package providers_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
)

// testClock is a settable clock shared by the validator and the fake.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestGitHubAppMintsInstallationTokens: a GitHub App connection is the app
// ID, installation ID and private key; Patchbay mints hour-long
// installation tokens from them and mints again before they expire, so the
// connection stays valid across two simulated hours.
func TestGitHubAppMintsInstallationTokens(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	fake.Now = clock.Now
	for _, pid := range []string{"github", "github_actions"} {
		v := providers.NewValidator() // its own token cache
		v.Now = clock.Now
		p, _ := cat.Provider(pid)
		m, _ := p.Mode("github_app")
		values := map[string]string{"appId": fakes.GitHubAppID, "installationId": fakes.GitHubInstallationID, "privateKey": fakes.GitHubAppPrivateKey}
		target := providers.Target{Provider: p, Mode: m, BaseURL: url + "/github", Values: values}
		before := fake.AppTokenMints()
		for _, step := range []time.Duration{0, 30 * time.Minute, 26 * time.Minute, 4 * time.Minute, 30 * time.Minute, 30 * time.Minute} {
			clock.Add(step)
			res := v.Validate(context.Background(), target)
			if res.Class != domain.ClassOK || !strings.Contains(res.Identity, fakes.GitHubAppID) {
				t.Fatalf("%s at %s: %s %q", pid, clock.Now().Format(time.Kitchen), res.Class, res.Message)
			}
		}
		// 0: mint; +30 min: cached; +56 min (within 5 min of expiry): mint;
		// +60 min: cached; +90 min; +120 min: mint.
		if n := fake.AppTokenMints() - before; n != 3 {
			t.Fatalf("%s: %d mints over two hours, want 3", pid, n)
		}
		names, res := v.Inventory(context.Background(), target, *p.Inventory)
		if !res.OK() || strings.Join(names, ",") != "octo-org/api,octo-org/web" {
			t.Fatalf("%s inventory: %v %s %q", pid, names, res.Class, res.Message)
		}
		// A token revoked before its hour is up: one new mint, still valid.
		fake.RevokeAppTokens()
		if res := v.Validate(context.Background(), target); res.Class != domain.ClassOK {
			t.Fatalf("%s after revocation: %s %q", pid, res.Class, res.Message)
		}
	}
}

// TestGitHubAppFailures: GitHub's documented refusals of a mint.
func TestGitHubAppFailures(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	fake.Now = clock.Now
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	p, _ := cat.Provider("github")
	m, _ := p.Mode("github_app")
	cases := []struct {
		name   string
		values map[string]string
		skew   time.Duration
		want   domain.Class
		msg    string
	}{
		{"pasted token of the old mode", map[string]string{"token": "ghs_16C7e42F292c6912E7710c838347Ae178B4a"}, 0, domain.ClassInvalidCredentials, "pasted installation token"},
		{"another app's key", map[string]string{"appId": fakes.GitHubAppID, "installationId": fakes.GitHubInstallationID, "privateKey": otherKey}, 0, domain.ClassInvalidCredentials, "private key"},
		{"unreadable key", map[string]string{"appId": fakes.GitHubAppID, "installationId": fakes.GitHubInstallationID, "privateKey": "not a key"}, 0, domain.ClassInvalidCredentials, ".pem"},
		{"uninstalled", map[string]string{"appId": fakes.GitHubAppID, "installationId": "1", "privateKey": fakes.GitHubAppPrivateKey}, 0, domain.ClassRevoked, "uninstalled"},
		{"suspended", map[string]string{"appId": fakes.GitHubAppID, "installationId": fakes.GitHubSuspendedInstallationID, "privateKey": fakes.GitHubAppPrivateKey}, 0, domain.ClassRevoked, "suspended"},
		{"clock far behind", map[string]string{"appId": fakes.GitHubAppID, "installationId": fakes.GitHubInstallationID, "privateKey": fakes.GitHubAppPrivateKey}, -time.Hour, domain.ClassMisconfigured, "clock"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := providers.NewValidator()
			v.Now = func() time.Time { return clock.Now().Add(c.skew) }
			res := v.Validate(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: url + "/github", Values: c.values})
			if res.Class != c.want || !strings.Contains(res.Message, c.msg) {
				t.Fatalf("%s %q, want %s containing %q", res.Class, res.Message, c.want, c.msg)
			}
			if k := c.values["privateKey"]; len(k) > 100 && strings.Contains(res.Message, k[40:80]) {
				t.Fatal("the message shows the key")
			}
		})
	}
}
