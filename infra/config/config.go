// Package config reads the stack config of ai-agent-connector once, into one typed
// struct, and validates it before any resource is declared.
//
// Files are loaded with Pulumi's own workspace loaders (Pulumi.yaml and
// stacks/Pulumi.<stack>.yaml); values come from the engine (ctx) exactly as the
// program sees them under `pulumi up`, so the same code runs under mocks.
// Every problem names the stack file, the key, the value and what is allowed.
package config

// Cloud names a target cloud.
type Cloud string

const (
	CloudAWS   Cloud = "aws"
	CloudGCP   Cloud = "gcp"
	CloudAzure Cloud = "azure"
)

// clouds lists the supported clouds.
var clouds = []Cloud{CloudAWS, CloudGCP, CloudAzure}

// supportedArch lists the CPU architectures each cloud can run our binary on.
// Lambda runs arm64 (Graviton) and x86_64; Cloud Functions gen2 and Azure Functions
// custom handlers run linux/amd64 only.
var supportedArch = map[Cloud][]string{
	CloudAWS:   {"arm64", "amd64"},
	CloudGCP:   {"amd64"},
	CloudAzure: {"amd64"},
}

// Config is the validated config of one stack.
type Config struct {
	Project   string
	Stack     string
	StackFile string // relative to the project root, e.g. stacks/Pulumi.aws-dev.yaml

	Cloud            Cloud
	Arch             string // arm64 | amd64
	MemoryMB         int
	TimeoutSeconds   int
	WarmInstances    int // provisioned concurrency / min instances / always-ready
	MaxInstances     int // reserved concurrency / max instances
	PoolSize         int // max DB connections per instance
	ColdStartWarnMs  int
	LogRetentionDays int
	QueryTimeoutMs   int
	MaxRows          int
	DBSchemas        []string
	LogLevel         string
	APIKeys          Secret // comma-separated bearer keys; only ever from a secret

	Database Database

	AWS   AWS
	GCP   GCP
	Azure Azure
}
