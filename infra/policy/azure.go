package policy

// Azure checks. Placeholder: filled in by the GCP/Azure engineer (register from init).
func init() {}
