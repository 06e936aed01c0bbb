package config

// Azure holds settings only Azure Functions needs (key ai-agent-connector:azure).
// Placeholder: fields with json tags are filled in by the GCP/Azure engineer.
type Azure struct{}

func (a *Azure) applyDefaults(c *Config) {}

func (a *Azure) validate(c *Config, v *Problems) {}
