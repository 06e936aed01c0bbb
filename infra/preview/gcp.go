package preview

// GCP outputs for the mocks. Placeholder: filled in by the GCP/Azure engineer, e.g.
//   func init() { providers["gcp"] = gcpOutputs }
