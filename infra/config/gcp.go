package config

// GCP holds settings only Cloud Functions gen2 needs (key ai-agent-connector:gcp).
// Placeholder: fields with json tags are filled in by the GCP/Azure engineer.
type GCP struct{}

func (g *GCP) applyDefaults(c *Config) {}

func (g *GCP) validate(c *Config, v *Problems) {}
