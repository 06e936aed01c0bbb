// Package rdsiam authenticates pgx connections to RDS / RDS Proxy with IAM: each new
// connection gets a fresh, short-lived auth token signed with the Lambda execution role's
// credentials. Tokens live 15 minutes, pooled connections live longer, so the token is made
// per connection (pgx BeforeConnect), never once at start.
//
// Credentials come straight from the Lambda environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) through a tiny CredentialsProvider instead of
// the SDK's config loader: the loader links the shared-config, SSO, IMDS and STS clients,
// which cost binary size and init time for nothing on Lambda.
package rdsiam

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvCredentials reads the Lambda runtime's credentials from the environment on each call.
type EnvCredentials struct {
	Getenv func(string) string
}

// Retrieve implements aws.CredentialsProvider.
func (e EnvCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	c := aws.Credentials{
		AccessKeyID:     e.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: e.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    e.Getenv("AWS_SESSION_TOKEN"),
		Source:          "LambdaEnvironment",
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return aws.Credentials{}, errors.New("rdsiam: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (the Lambda runtime sets them from the execution role)")
	}
	return c, nil
}

// BeforeConnect returns a pgx BeforeConnect hook that sets the connection's password to a
// fresh IAM auth token for its host, port and user.
func BeforeConnect(region string, creds aws.CredentialsProvider) func(context.Context, *pgx.ConnConfig) error {
	return func(ctx context.Context, cc *pgx.ConnConfig) error {
		endpoint := net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
		tok, err := auth.BuildAuthToken(ctx, endpoint, region, cc.User, creds)
		if err != nil {
			return fmt.Errorf("rdsiam: build auth token for %s@%s: %w", cc.User, endpoint, err)
		}
		cc.Password = tok
		return nil
	}
}

// ConfigurePool returns a connector.Options.ConfigurePool function: with DB_IAM_AUTH=true
// it installs BeforeConnect with AWS_REGION and EnvCredentials; otherwise it changes nothing.
func ConfigurePool(getenv func(string) string) func(context.Context, *pgxpool.Config) error {
	return func(_ context.Context, cfg *pgxpool.Config) error {
		switch v := getenv("DB_IAM_AUTH"); v {
		case "", "false", "0":
			return nil
		case "true", "1":
		default:
			return fmt.Errorf("DB_IAM_AUTH=%q: allowed values are true or false", v)
		}
		region := getenv("AWS_REGION")
		if region == "" {
			return errors.New("DB_IAM_AUTH=true needs AWS_REGION (the Lambda runtime sets it)")
		}
		cfg.BeforeConnect = BeforeConnect(region, EnvCredentials{Getenv: getenv})
		return nil
	}
}
