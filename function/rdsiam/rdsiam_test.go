package rdsiam

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var lambdaEnv = map[string]string{
	"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
	"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	"AWS_SESSION_TOKEN":     "session-token-example",
	"AWS_REGION":            "eu-west-1",
	"DB_IAM_AUTH":           "true",
}

func TestEnvCredentials(t *testing.T) {
	c, err := EnvCredentials{Getenv: env(lambdaEnv)}.Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "AKIDEXAMPLE" || c.SessionToken != "session-token-example" {
		t.Fatalf("got %+v, %v", c, err)
	}
	if _, err := (EnvCredentials{Getenv: env(nil)}).Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("missing credentials: want an error naming AWS_ACCESS_KEY_ID, got %v", err)
	}
}

func TestBeforeConnectSetsAPresignedToken(t *testing.T) {
	cc, err := pgx.ParseConfig("postgres://agent@proxy.example.internal:5432/app?sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	if err := BeforeConnect("eu-west-1", EnvCredentials{Getenv: env(lambdaEnv)})(context.Background(), cc); err != nil {
		t.Fatal(err)
	}
	// A token is a presigned URL without scheme: host:port?Action=connect&DBUser=...
	if !strings.HasPrefix(cc.Password, "proxy.example.internal:5432?") {
		t.Fatalf("token %q does not start with the endpoint", cc.Password)
	}
	q, err := url.ParseQuery(cc.Password[strings.Index(cc.Password, "?")+1:])
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"Action":               "connect",
		"DBUser":               "agent",
		"X-Amz-Algorithm":      "AWS4-HMAC-SHA256",
		"X-Amz-Security-Token": "session-token-example",
		"X-Amz-Expires":        "900",
	}
	for k, want := range checks {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if cred := q.Get("X-Amz-Credential"); !strings.HasPrefix(cred, "AKIDEXAMPLE/") || !strings.HasSuffix(cred, "/eu-west-1/rds-db/aws4_request") {
		t.Errorf("X-Amz-Credential = %q", cred)
	}
}

func TestConfigurePool(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantSet bool
		wantErr string
	}{
		{name: "off by default", env: map[string]string{}, wantSet: false},
		{name: "false", env: map[string]string{"DB_IAM_AUTH": "false"}, wantSet: false},
		{name: "on", env: lambdaEnv, wantSet: true},
		{name: "no region", env: map[string]string{"DB_IAM_AUTH": "true"}, wantErr: "AWS_REGION"},
		{name: "bad value", env: map[string]string{"DB_IAM_AUTH": "yes please"}, wantErr: `DB_IAM_AUTH="yes please"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := pgxpool.ParseConfig("postgres://agent@localhost/app")
			if err != nil {
				t.Fatal(err)
			}
			err = ConfigurePool(env(tc.env))(context.Background(), cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error containing %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (cfg.BeforeConnect != nil) != tc.wantSet {
				t.Fatalf("BeforeConnect set = %v, want %v", cfg.BeforeConnect != nil, tc.wantSet)
			}
		})
	}
}

type countingCreds struct {
	n     atomic.Int32
	inner aws.CredentialsProvider
}

func (c *countingCreds) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c.n.Add(1)
	return c.inner.Retrieve(ctx)
}

// TestTokenPerNewConnection opens real connections through a pool (the throwaway server
// trusts loopback, so it ignores the token) and checks that every new connection signed a
// token of its own, while a reused pooled connection signed none.
func TestTokenPerNewConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := context.Background()
	c, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	cfg, err := pgxpool.ParseConfig(c.AgentURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 2
	creds := &countingCreds{inner: EnvCredentials{Getenv: env(lambdaEnv)}}
	var tokens []string
	sign := BeforeConnect("eu-west-1", creds)
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		err := sign(ctx, cc)
		tokens = append(tokens, cc.Password)
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	a, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Release()
	b.Release()
	for range 3 {
		if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := creds.n.Load(); n != 2 {
		t.Fatalf("signed %d tokens for 2 connections", n)
	}
	if len(tokens) != 2 || !strings.Contains(tokens[0], "DBUser=agent") {
		t.Fatalf("tokens: %v", tokens)
	}
}
