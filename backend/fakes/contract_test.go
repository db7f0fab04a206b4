package fakes_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"patchbay/backend/fakes"
	"patchbay/backend/oauth1"
)

// contract is one vendor endpoint's documented response schema.
type contract struct {
	Vendor, Source, Version, Checked string
	Request                          struct{ Method, Path, Auth, Body string }
	Status                           int
	Schema                           schema
}

// schema is the JSON Schema subset the contracts use.
type schema struct {
	Type       any               `json:"type"`
	Required   []string          `json:"required"`
	Properties map[string]schema `json:"properties"`
	Items      *schema           `json:"items"`
}

// check reports where v breaks s.
func (s schema) check(path string, v any) []string {
	var errs []string
	if s.Type != nil {
		types := []string{}
		switch t := s.Type.(type) {
		case string:
			types = append(types, t)
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		ok := false
		for _, t := range types {
			ok = ok || is(t, v)
		}
		if !ok {
			return []string{fmt.Sprintf("%s: %T is not %v", path, v, types)}
		}
	}
	if m, isObj := v.(map[string]any); isObj {
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				errs = append(errs, path+": missing required "+r)
			}
		}
		for k, ps := range s.Properties {
			if x, ok := m[k]; ok {
				errs = append(errs, ps.check(path+"."+k, x)...)
			}
		}
	}
	if a, isArr := v.([]any); isArr && s.Items != nil {
		for i, x := range a {
			errs = append(errs, s.Items.check(fmt.Sprintf("%s[%d]", path, i), x)...)
		}
	}
	return errs
}

func is(t string, v any) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

// appJWT signs a GitHub App JWT with the fake app's key (as GitHub
// documents it), independently of Patchbay's providers package.
func appJWT(t *testing.T, now time.Time) string {
	t.Helper()
	key, err := oauth1.ParsePrivateKey(fakes.GitHubAppPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(fmt.Sprintf(`{"iat":%d,"exp":%d,"iss":"%s"}`, now.Add(-time.Minute).Unix(), now.Add(5*time.Minute).Unix(), fakes.GitHubAppID)))
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + enc.EncodeToString(sig)
}

// TestFakesKeepTheVendorsContracts validates every fake answer listed in
// testdata/contracts.json against the vendor's published response schema,
// so a fake cannot drift from the real shape.
func TestFakesKeepTheVendorsContracts(t *testing.T) {
	raw, err := os.ReadFile("testdata/contracts.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Contracts []contract }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	f := fakes.New()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	f.Now = func() time.Time { return now }
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	installation, access := "", oauthAccess(t, srv.URL)
	for _, c := range doc.Contracts {
		if c.Source == "" || c.Version == "" {
			t.Fatalf("contract %s %s names no source and version", c.Vendor, c.Request.Path)
		}
		t.Run(c.Vendor+" "+c.Request.Method+" "+c.Request.Path+" "+c.Request.Auth, func(t *testing.T) {
			var body io.Reader
			if c.Request.Body != "" {
				body = strings.NewReader(c.Request.Body)
			}
			req, _ := http.NewRequest(c.Request.Method, srv.URL+c.Request.Path, body)
			if c.Request.Body != "" {
				req.Header.Set("Content-Type", "application/json; charset=utf-8")
			}
			switch c.Request.Auth {
			case "bearer:github":
				req.Header.Set("Authorization", "Bearer "+fakes.GitHubToken)
			case "bearer:slack":
				req.Header.Set("Authorization", "Bearer "+fakes.SlackToken)
			case "bearer:wrong":
				req.Header.Set("Authorization", "Bearer wrong-token-000000000001")
			case "basic:jira":
				req.SetBasicAuth("ops@example.com", fakes.JiraToken)
			case "basic:jira-hidden":
				req.SetBasicAuth("hidden-ops@example.com", fakes.JiraToken)
			case "basic:bitbucket":
				req.SetBasicAuth("ops@example.com", fakes.BitbucketToken)
			case "basic:wrong":
				req.SetBasicAuth("ops@example.com", "wrong-token")
			case "appjwt":
				req.Header.Set("Authorization", "Bearer "+appJWT(t, now))
			case "oauth":
				req.Header.Set("Authorization", "Bearer "+access)
			case "installation":
				if installation == "" {
					t.Fatal("no installation token minted yet (the access_tokens contract comes first)")
				}
				req.Header.Set("Authorization", "Bearer "+installation)
			default:
				t.Fatalf("unknown auth %q", c.Request.Auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.Status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.Status, b)
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("not JSON: %s", b)
			}
			if errs := c.Schema.check("$", v); len(errs) > 0 {
				t.Fatalf("the fake breaks %s (%s):\n%s", c.Source, c.Version, strings.Join(errs, "\n"))
			}
			if c.Request.Auth == "appjwt" {
				installation = v.(map[string]any)["token"].(string)
			}
		})
	}
}

// oauthAccess gets an access token from the fake OAuth server the way a
// client does: consent, then the code exchange.
func oauthAccess(t *testing.T, base string) string {
	t.Helper()
	back, err := fakes.ConsentRedirect(base+"/oauth/authorize?client_id="+fakes.OAuthClientID+"&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcallback&state=s", "approve", nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(back)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1:1/callback"}, "client_id": {fakes.OAuthClientID}, "client_secret": {fakes.OAuthClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("no access token: %v", err)
	}
	return tok.AccessToken
}
