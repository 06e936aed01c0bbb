package config

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// AWS holds settings only Lambda and RDS need (key ai-agent-connector:aws).
type AWS struct {
	// FunctionURLAuth is the Function URL auth type: NONE (the function checks bearer
	// API keys itself) or AWS_IAM (callers sign requests with SigV4).
	FunctionURLAuth string `json:"functionUrlAuth"`
	// VpcID and SubnetIDs place the function, proxy and database in an existing VPC
	// (private subnets in at least two AZs). Empty: the stack creates a private VPC.
	VpcID     string   `json:"vpcId"`
	SubnetIDs []string `json:"subnetIds"`
	// VPCCIDR is the CIDR of the VPC the stack creates.
	VPCCIDR string `json:"vpcCidr"`
	// DBInstanceClass sizes the created RDS instance.
	DBInstanceClass string `json:"dbInstanceClass"`
	MultiAZ         bool   `json:"multiAz"`
	// ProxyMaxConnectionsPercent is the share of the database's max_connections RDS Proxy may use.
	ProxyMaxConnectionsPercent int `json:"proxyMaxConnectionsPercent"`
	// Existing database (database.mode: existing): the RDS instance the proxy targets,
	// the Secrets Manager secret with the credentials of database.user (RDS Proxy
	// authenticates to PostgreSQL with it), and the instance's security group, which
	// gets an ingress rule from the proxy only.
	ExistingDBInstanceID      string `json:"existingDbInstanceId"`
	ExistingDBSecretARN       string `json:"existingDbSecretArn"`
	ExistingDBSecurityGroupID string `json:"existingDbSecurityGroupId"`
	// ExistingDBSecretKMSKeyARN is the customer-managed KMS key of that secret, if it has
	// one: the proxy's role then gets kms:Decrypt on it through Secrets Manager only.
	ExistingDBSecretKMSKeyARN string `json:"existingDbSecretKmsKeyArn"`
	// AlarmTopicARN, when set, receives the cold-start alarm.
	AlarmTopicARN string `json:"alarmTopicArn"`
}

// Lambda limits (AWS Lambda quotas).
const (
	lambdaMinMemoryMB = 128
	lambdaMaxMemoryMB = 10240
	lambdaMaxTimeout  = 900
)

// cloudWatchRetentionDays are the retention periods CloudWatch Logs accepts.
var cloudWatchRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// rdsMemoryGiB is the RAM of common PostgreSQL instance classes. RDS sets
// max_connections to LEAST(DBInstanceClassMemory/9531392, 5000); DBInstanceClassMemory
// is below the nominal RAM (the OS keeps some), so 90% of nominal is used as a
// conservative estimate. For other classes set database.maxConnections.
var rdsMemoryGiB = map[string]float64{
	"db.t4g.micro": 1, "db.t4g.small": 2, "db.t4g.medium": 4, "db.t4g.large": 8, "db.t4g.xlarge": 16,
	"db.t3.micro": 1, "db.t3.small": 2, "db.t3.medium": 4, "db.t3.large": 8,
	"db.m7g.large": 8, "db.m7g.xlarge": 16, "db.m7g.2xlarge": 32,
	"db.m6g.large": 8, "db.m6g.xlarge": 16, "db.m6i.large": 8, "db.m6i.xlarge": 16,
	"db.r7g.large": 16, "db.r7g.xlarge": 32, "db.r6g.large": 16, "db.r6g.xlarge": 32,
}

// rdsMaxConnections estimates max_connections of an RDS PostgreSQL instance class (0 if unknown).
func rdsMaxConnections(class string) int {
	gib, ok := rdsMemoryGiB[class]
	if !ok {
		return 0
	}
	return min(int(gib*0.9*(1<<30)/9531392), 5000)
}

// proxyConnections is how many connections RDS Proxy may open to the database.
func (a *AWS) proxyConnections(c *Config) int {
	return c.Database.MaxConnections * a.ProxyMaxConnectionsPercent / 100
}

// LambdaArch is the Lambda architecture name of c.Arch.
func (c *Config) LambdaArch() string {
	if c.Arch == "amd64" {
		return "x86_64"
	}
	return c.Arch
}

func (a *AWS) applyDefaults(c *Config) {
	if c.MemoryMB == 0 {
		c.MemoryMB = 512 // the guide's 512 MB - 1 GB sweet spot, at its cheap end
	}
	if a.FunctionURLAuth == "" {
		a.FunctionURLAuth = "NONE"
	}
	if a.VPCCIDR == "" {
		a.VPCCIDR = "10.40.0.0/16"
	}
	if a.DBInstanceClass == "" {
		a.DBInstanceClass = "db.t4g.micro"
	}
	if a.ProxyMaxConnectionsPercent == 0 {
		a.ProxyMaxConnectionsPercent = 90
	}
	if c.Database.MaxConnections == 0 && c.Database.Creates() {
		c.Database.MaxConnections = rdsMaxConnections(a.DBInstanceClass)
	}
}

var (
	arnSecret = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$`)
	arnSNS    = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+$`)
	cidr16    = regexp.MustCompile(`^(\d{1,3})\.(\d{1,3})\.0\.0/(1[6-9]|2[0-2])$`)
)

func (a *AWS) validate(c *Config, v *Problems) {
	if c.MemoryMB < lambdaMinMemoryMB || c.MemoryMB > lambdaMaxMemoryMB {
		v.addf("memoryMB", c.MemoryMB, "%d to %d (Lambda memory range)", lambdaMinMemoryMB, lambdaMaxMemoryMB)
	}
	if c.TimeoutSeconds > lambdaMaxTimeout {
		v.addf("timeoutSeconds", c.TimeoutSeconds, "1 to %d (Lambda limit)", lambdaMaxTimeout)
	}
	if !containsInt(cloudWatchRetentionDays, c.LogRetentionDays) {
		v.addf("logRetentionDays", c.LogRetentionDays, "one of the CloudWatch Logs retention periods: %s", joinInts(cloudWatchRetentionDays))
	}
	if a.FunctionURLAuth != "NONE" && a.FunctionURLAuth != "AWS_IAM" {
		v.Add("aws.functionUrlAuth", a.FunctionURLAuth, "NONE (bearer API keys checked by the function) or AWS_IAM")
	}
	if (a.VpcID == "") != (len(a.SubnetIDs) == 0) {
		v.Add("aws.subnetIds", strings.Join(a.SubnetIDs, ","), "set aws.vpcId and aws.subnetIds together (or neither, to create a VPC)")
	} else if a.VpcID != "" && len(a.SubnetIDs) < 2 {
		v.Add("aws.subnetIds", strings.Join(a.SubnetIDs, ","), "at least two private subnets in different availability zones (RDS and RDS Proxy need two)")
	}
	if a.VpcID == "" && !cidr16.MatchString(a.VPCCIDR) {
		v.Add("aws.vpcCidr", a.VPCCIDR, "an IPv4 CIDR x.y.0.0/16 to x.y.0.0/22")
	}
	if a.ProxyMaxConnectionsPercent < 1 || a.ProxyMaxConnectionsPercent > 100 {
		v.Add("aws.proxyMaxConnectionsPercent", a.ProxyMaxConnectionsPercent, "1 to 100")
	}
	if a.AlarmTopicARN != "" && !arnSNS.MatchString(a.AlarmTopicARN) {
		v.Add("aws.alarmTopicArn", a.AlarmTopicARN, "an SNS topic ARN")
	}
	db := c.Database
	switch db.Mode {
	case "create":
		if _, ok := rdsMemoryGiB[a.DBInstanceClass]; !ok && db.MaxConnections == 0 {
			v.addf("aws.dbInstanceClass", a.DBInstanceClass, "one of %s, or set database.maxConnections for other classes", strings.Join(knownClasses(), ", "))
		}
		if major, err := strconv.Atoi(db.EngineVersion); err != nil || major < 13 || major > 17 {
			v.Add("database.engineVersion", db.EngineVersion, "a PostgreSQL major version RDS Proxy supports: 13 to 17")
		}
		if a.ExistingDBInstanceID != "" || a.ExistingDBSecretARN != "" || a.ExistingDBSecurityGroupID != "" || a.ExistingDBSecretKMSKeyARN != "" {
			v.Add("database.mode", db.Mode, "existing (aws.existingDb* are set, which only apply to an existing database)")
		}
	case "existing":
		if a.ExistingDBInstanceID == "" {
			v.Add("aws.existingDbInstanceId", nil, "the RDS instance identifier of the existing database (required with database.mode existing)")
		}
		if !arnSecret.MatchString(a.ExistingDBSecretARN) {
			v.Add("aws.existingDbSecretArn", a.ExistingDBSecretARN, "the Secrets Manager secret ARN with the credentials of database.user (required with database.mode existing)")
		}
		if k := a.ExistingDBSecretKMSKeyARN; k != "" && !(strings.HasPrefix(k, "arn:") && strings.Contains(k, ":kms:") && strings.Contains(k, ":key/")) {
			v.Add("aws.existingDbSecretKmsKeyArn", k, "a KMS key ARN, arn:aws:kms:REGION:ACCOUNT:key/ID (the customer-managed key of aws.existingDbSecretArn), or unset for the aws/secretsmanager key")
		}
		if !strings.HasPrefix(a.ExistingDBSecurityGroupID, "sg-") {
			v.Add("aws.existingDbSecurityGroupId", a.ExistingDBSecurityGroupID, "the database's security group id, sg-... (required with database.mode existing)")
		}
		if a.VpcID == "" {
			v.Add("aws.vpcId", nil, "the VPC of the existing database (required with database.mode existing)")
		}
		if db.MaxConnections == 0 {
			v.Add("database.maxConnections", nil, "the existing database's max_connections (required with database.mode existing, for the connection budget)")
		}
	}
	// The connection budget through RDS Proxy: every Lambda environment may hold a full
	// pool, and the proxy may use only its share of the database's connections.
	if lim := a.proxyConnections(c); db.MaxConnections > 0 && c.MaxInstances*c.PoolSize > lim {
		v.addf("maxInstances", c.MaxInstances,
			"maxInstances × poolSize (%d × %d = %d) must fit RDS Proxy's %d connections (%d%% of the database's %d): lower maxInstances or poolSize, or use a larger aws.dbInstanceClass",
			c.MaxInstances, c.PoolSize, c.MaxInstances*c.PoolSize, lim, a.ProxyMaxConnectionsPercent, db.MaxConnections)
	}
}

func knownClasses() []string {
	out := make([]string, 0, len(rdsMemoryGiB))
	for k := range rdsMemoryGiB {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

func joinInts(list []int) string {
	s := make([]string, len(list))
	for i, n := range list {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
