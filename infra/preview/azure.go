package preview

// Azure outputs for the mocks. Placeholder: filled in by the GCP/Azure engineer, e.g.
//   func init() { providers["azure-native"] = azureOutputs }
