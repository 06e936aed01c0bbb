package connector

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnresolvedSecretReference: a setting the platform failed to resolve
// arrives as the reference text. The function must refuse to start (and so
// never accept the reference as an API key), naming the setting and the fix,
// without echoing the value.
func TestUnresolvedSecretReference(t *testing.T) {
	const kv = "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/api-keys/)"
	cases := []struct {
		name, env, value, want string
	}{
		{"key vault api keys", "API_KEYS", kv, "Key Vault Secrets User"},
		{"key vault vault name form", "API_KEYS", "@Microsoft.KeyVault(VaultName=v;SecretName=api-keys)", "Azure Key Vault reference"},
		{"key vault among keys", "API_KEYS", testKey + "," + kv, "Azure Key Vault reference"},
		{"key vault lower case", "API_KEYS", strings.ToLower(kv), "Azure Key Vault reference"},
		{"key vault password", "DATABASE_PASSWORD", "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/db-password/)", "Azure Key Vault reference"},
		{"app configuration password", "DATABASE_PASSWORD", "@Microsoft.AppConfiguration(Endpoint=https://c.azconfig.io; Key=db-password)", "App Configuration Data Reader"},
		{"reference inside url", "DATABASE_URL", "postgres://agent:@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/p/)@db:5432/postgres", "Azure Key Vault reference"},
		{"cloudformation dynamic reference", "DATABASE_PASSWORD", "{{resolve:secretsmanager:db:SecretString:password}}", "CloudFormation dynamic reference"},
		{"secrets manager arn", "API_KEYS", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-keys-AbCdEf", "Secrets Manager ARN"},
		{"ssm arn", "DATABASE_PASSWORD", "arn:aws:ssm:eu-west-1:123456789012:parameter/db-password", "SSM parameter ARN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"DATABASE_URL": "postgres://agent@db/postgres", "API_KEYS": testKey, c.env: c.value}
			_, err := LoadConfig(func(k string) string { return env[k] }, 1)
			if err == nil {
				t.Fatal("config with an unresolved reference was accepted")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, c.env+" ") || !strings.Contains(msg, c.want) || !strings.Contains(msg, "refuses to start") {
				t.Errorf("message %q: want it to name %s and %q", msg, c.env, c.want)
			}
			if strings.Contains(msg, "vault.azure.net") || strings.Contains(msg, "123456789012") {
				t.Errorf("message echoes the value: %q", msg)
			}
		})
	}
	// Resolved values pass, including ones that merely contain "@".
	env := map[string]string{"DATABASE_URL": "postgres://agent@db/postgres", "API_KEYS": testKey + ",key@Microsoft-0123456789", "DATABASE_PASSWORD": "p@ss:word{{x}}"}
	if _, err := LoadConfig(func(k string) string { return env[k] }, 1); err != nil {
		t.Errorf("resolved values refused: %v", err)
	}
}

// TestUnresolvedReferenceIsNotAKey goes through the handler: the start fails
// with a 503 not_ready whose reason is in the log, and the reference text is
// not accepted as a bearer key.
func TestUnresolvedReferenceIsNotAKey(t *testing.T) {
	const ref = "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/api-keys/)"
	h, logs := newTestHandler(t, cluster.AgentURL, map[string]string{"API_KEYS": ref})
	hdr := map[string]string{"Authorization": "Bearer " + ref, "Content-Type": "application/json"}
	r := do(h, http.MethodPost, "/v1/query", strings.NewReader(`{"sql":"SELECT 1"}`), hdr)
	if r.status != http.StatusServiceUnavailable || r.errCode(t) != "not_ready" {
		t.Fatalf("query with the reference as key = %d %s", r.status, r.body)
	}
	if rr := do(h, http.MethodGet, "/ready", nil, nil); rr.status != http.StatusServiceUnavailable || rr.errCode(t) != "not_ready" {
		t.Errorf("/ready = %d %s", rr.status, rr.body)
	}
	found := false
	for _, l := range logs.lines(t) {
		if e, _ := l["err"].(string); strings.Contains(e, "API_KEYS holds an Azure Key Vault reference") {
			found = true
		}
	}
	if !found {
		t.Error("no log line names API_KEYS and the reference")
	}
}
