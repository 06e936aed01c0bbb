package config

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Secret is a config value that was a Pulumi secret. It never prints its value.
type Secret struct {
	value string
	set   bool
}

// newSecret wraps a value as a secret (tests and loaders).
func newSecret(v string) Secret { return Secret{value: v, set: true} }

// IsSet reports whether the secret was configured.
func (s Secret) IsSet() bool { return s.set }

// String never reveals the value.
func (s Secret) String() string {
	if !s.set {
		return "(not set)"
	}
	return "[secret]"
}

// GoString never reveals the value.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON never reveals the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Output returns the value as a Pulumi secret output.
func (s Secret) Output() pulumi.StringOutput {
	return pulumi.ToSecret(pulumi.String(s.value)).(pulumi.StringOutput)
}
