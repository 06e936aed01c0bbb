package connector

// ClusterURL is the test cluster's agent URL, for the examples in package
// connector_test (a deployment reads DATABASE_URL from its environment).
func ClusterURL() string { return cluster.AgentURL }
