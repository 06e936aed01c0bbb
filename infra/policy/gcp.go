package policy

// GCP checks. Placeholder: filled in by the GCP/Azure engineer (register from init).
func init() {}
