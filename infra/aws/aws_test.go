package aws_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/aws"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview/plantest"
)

// TestCommittedStacks checks the plan of each committed AWS stack against its config.
func TestCommittedStacks(t *testing.T) { plantest.EachStack(t, config.CloudAWS, assertAWS) }

// assertAWS checks an AWS plan against the config it came from.
func assertAWS(t *testing.T, cfg *config.Config, plan *preview.Plan) {
	plantest.Only(t, plan, aws.Type)

	fn, prov := plantest.AWSFunctions(t, plan)
	plantest.Eq(t, "runtime", fn.String("runtime"), "provided.al2023")
	plantest.Eq(t, "handler", fn.String("handler"), "bootstrap")
	archs, _ := fn.Get("architectures")
	plantest.Eq(t, "architectures", strings.Join(strs(archs), ","), cfg.LambdaArch())
	plantest.Eq(t, "memorySize", fn.Number("memorySize"), float64(cfg.MemoryMB))
	plantest.Eq(t, "timeout", fn.Number("timeout"), float64(cfg.TimeoutSeconds))
	plantest.Eq(t, "reservedConcurrentExecutions", fn.Number("reservedConcurrentExecutions"), float64(cfg.MaxInstances))
	plantest.Eq(t, "publish", fn.Bool("publish"), true)
	plantest.Eq(t, "tracingConfig.mode", fn.String("tracingConfig.mode"), "Active")
	plantest.Eq(t, "loggingConfig.logFormat", fn.String("loggingConfig.logFormat"), "JSON")
	// The reproducible artifact hash is what Lambda compares: base64 of the zip's sha256.
	sum, err := hex.DecodeString(plan.Outputs["artifactSha256"].(string))
	if err != nil || len(sum) != 32 {
		t.Fatalf("artifactSha256 output %v", plan.Outputs["artifactSha256"])
	}
	plantest.Eq(t, "sourceCodeHash", fn.String("sourceCodeHash"), base64.StdEncoding.EncodeToString(sum))
	subnets, _ := fn.Get("vpcConfig.subnetIds")
	if len(strs(subnets)) < 2 {
		t.Errorf("vpcConfig.subnetIds = %v, want two private subnets", subnets)
	}

	// Environment per the function's contract.
	url := fn.String("environment.variables.DATABASE_URL")
	proxy, _ := plan.Outputs["proxyEndpoint"].(string)
	if proxy == "" || !strings.Contains(url, "@"+proxy+":5432/"+cfg.Database.Name) || !strings.Contains(url, "sslmode=verify-full") {
		t.Errorf("DATABASE_URL = %q, want the proxy %q, database %s, sslmode=verify-full", url, proxy, cfg.Database.Name)
	}
	if !strings.HasPrefix(url, "postgres://"+cfg.Database.User+"@") {
		t.Errorf("DATABASE_URL = %q, want user %s and no password", url, cfg.Database.User)
	}
	plantest.Eq(t, "DB_IAM_AUTH", fn.String("environment.variables.DB_IAM_AUTH"), "true")
	plantest.Eq(t, "POOL_SIZE", fn.String("environment.variables.POOL_SIZE"), plantest.Itoa(cfg.PoolSize))
	plantest.Eq(t, "COLD_START_WARN_MS", fn.String("environment.variables.COLD_START_WARN_MS"), plantest.Itoa(cfg.ColdStartWarnMs))
	plantest.Eq(t, "DB_SCHEMAS", fn.String("environment.variables.DB_SCHEMAS"), strings.Join(cfg.DBSchemas, ","))
	if k, set := fn.Get("environment.variables.API_KEYS"); set != plantest.KeysSet || (set && k != policy.Secret) {
		t.Errorf("API_KEYS = %v, want [secret] exactly when apiKeys is set (%v)", k, plantest.KeysSet)
	}

	alias := plantest.Only(t, plan, "aws:lambda/alias:Alias")
	plantest.Eq(t, "alias name", alias.String("name"), aws.AliasName)
	plantest.Eq(t, "alias version", alias.String("functionVersion"), "1")

	warm := policy.OfType(plan.Resources, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig")
	if cfg.WarmInstances == 0 {
		if len(warm) != 0 {
			t.Errorf("warmInstances 0 but %d provisioned concurrency configs", len(warm))
		}
	} else {
		if len(warm) != 1 {
			t.Fatalf("warmInstances %d but %d provisioned concurrency configs", cfg.WarmInstances, len(warm))
		}
		plantest.Eq(t, "provisioned concurrency", warm[0].Number("provisionedConcurrentExecutions"), float64(cfg.WarmInstances))
		plantest.Eq(t, "provisioned qualifier", warm[0].String("qualifier"), aws.AliasName)
	}

	furl := plantest.Only(t, plan, "aws:lambda/functionUrl:FunctionUrl")
	plantest.Eq(t, "url qualifier", furl.String("qualifier"), aws.AliasName)
	plantest.Eq(t, "url invokeMode", furl.String("invokeMode"), "RESPONSE_STREAM")
	plantest.Eq(t, "url auth", furl.String("authorizationType"), cfg.AWS.FunctionURLAuth)
	public := policy.OfType(plan.Resources, "aws:lambda/permission:Permission")
	invoke := policy.OfType(plan.Resources, "aws:cloudformation/stack:Stack")
	isPublic := cfg.AWS.FunctionURLAuth == "NONE"
	plantest.Eq(t, "public url permissions", len(public), map[bool]int{true: 1, false: 0}[isPublic])
	plantest.Eq(t, "invoke-via-url statements", len(invoke), map[bool]int{true: 1, false: 0}[isPublic])
	for _, p := range public {
		// Public, but only through the URL of the alias.
		plantest.Eq(t, p.Name+" action", p.String("action"), "lambda:InvokeFunctionUrl")
		plantest.Eq(t, p.Name+" functionUrlAuthType", p.String("functionUrlAuthType"), "NONE")
		plantest.Eq(t, p.Name+" qualifier", p.String("qualifier"), aws.AliasName)
		plantest.Eq(t, "url waits for "+p.Name, furl.Needs(p.Name), true)
	}
	for _, s := range invoke {
		plantest.Eq(t, s.Name+" template", s.String("templateBody"), aws.URLInvokeTemplate)
		plantest.Eq(t, s.Name+" alias", s.String("parameters.FunctionArn"), plan.Outputs["aliasArn"])
		plantest.Eq(t, "url waits for "+s.Name, furl.Needs(s.Name), true)
	}

	groups := policy.OfType(plan.Resources, "aws:cloudwatch/logGroup:LogGroup")
	plantest.Eq(t, "log groups", len(groups), map[bool]int{true: 2, false: 1}[cfg.Database.Creates()])
	var lg policy.Resource
	for _, g := range groups {
		plantest.Eq(t, g.Name+" retentionInDays", g.Number("retentionInDays"), float64(cfg.LogRetentionDays))
		if g.String("name") == fn.String("loggingConfig.logGroup") {
			lg = g
		}
	}
	plantest.Eq(t, "function log group", fn.String("loggingConfig.logGroup"), "/aws/lambda/"+fn.String("name"))
	plantest.Eq(t, "function log group declared", lg.String("name"), fn.String("loggingConfig.logGroup"))
	alarm := plantest.Only(t, plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
	plantest.Eq(t, "alarm threshold", alarm.Number("threshold"), float64(cfg.ColdStartWarnMs))
	filter := plantest.Only(t, plan, "aws:cloudwatch/logMetricFilter:LogMetricFilter")
	plantest.Eq(t, "filter metric", filter.String("metricTransformation.name"), alarm.String("metricName"))
	plantest.Eq(t, "filter namespace", filter.String("metricTransformation.namespace"), alarm.String("namespace"))
	plantest.Eq(t, "filter value", filter.String("metricTransformation.value"), "$.record.metrics.initDurationMs")

	px := plantest.Only(t, plan, "aws:rds/proxy:Proxy")
	plantest.Eq(t, "requireTls", px.Bool("requireTls"), true)
	plantest.Eq(t, "proxy iamAuth", px.String("auths") == "" && authIAM(px), true)
	target := plantest.Only(t, plan, "aws:rds/proxyTarget:ProxyTarget")
	dbs := policy.OfType(plan.Resources, "aws:rds/instance:Instance")
	if cfg.Database.Creates() {
		if len(dbs) != 1 {
			t.Fatalf("database.mode create but %d RDS instances", len(dbs))
		}
		db := dbs[0]
		plantest.Eq(t, "storageEncrypted", db.Bool("storageEncrypted"), true)
		plantest.Eq(t, "publiclyAccessible", db.Bool("publiclyAccessible"), false)
		plantest.Eq(t, "backupRetentionPeriod", db.Number("backupRetentionPeriod"), float64(cfg.Database.BackupRetentionDays))
		plantest.Eq(t, "deletionProtection", db.Bool("deletionProtection"), cfg.Database.DeletionProtection)
		plantest.Eq(t, "engineVersion", db.String("engineVersion"), cfg.Database.EngineVersion)
		plantest.Eq(t, "proxy target", target.String("dbInstanceIdentifier") != "", true)
	} else {
		plantest.Eq(t, "RDS instances with an existing database", len(dbs), 0)
		plantest.Eq(t, "proxy target", target.String("dbInstanceIdentifier"), cfg.AWS.ExistingDBInstanceID)
	}

	// Security groups: exactly Lambda -> proxy -> database on 5432 (and, with a created
	// database, provisioner -> database), no CIDR anywhere.
	rules := append(policy.OfType(plan.Resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
		policy.OfType(plan.Resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")...)
	plantest.Eq(t, "security group rules", len(rules), map[bool]int{true: 6, false: 4}[cfg.Database.Creates()])
	assertProvisioner(t, cfg, plan, fn, prov, rules)
	for _, r := range rules {
		if r.Number("fromPort") != 5432 || r.Number("toPort") != 5432 || r.String("referencedSecurityGroupId") == "" || r.String("cidrIpv4") != "" {
			t.Errorf("rule %s is not a 5432 SG-to-SG rule: %v", r.Name, r.Inputs)
		}
	}

	// The function's role: its log group, X-Ray, rds-db:connect as database.user on the proxy.
	var connect string
	for _, p := range policy.OfType(plan.Resources, "aws:iam/rolePolicy:RolePolicy") {
		var doc struct {
			Statement []struct {
				Action   []string
				Resource string
			}
		}
		if err := json.Unmarshal([]byte(p.String("policy")), &doc); err != nil {
			t.Fatalf("policy %s: %v", p.Name, err)
		}
		for _, s := range doc.Statement {
			if len(s.Action) == 1 && s.Action[0] == "rds-db:connect" {
				connect = s.Resource
			}
		}
	}
	if !strings.Contains(connect, ":dbuser:prx-") || !strings.HasSuffix(connect, "/"+cfg.Database.User) {
		t.Errorf("rds-db:connect resource = %q, want the proxy's dbuser ARN for %s", connect, cfg.Database.User)
	}

	for k, want := range map[string]string{"coldStartCommand": "go run ./scripts/coldstart --stack " + plan.Stack} {
		plantest.Eq(t, "output "+k, plan.Outputs[k], want)
	}
	for _, k := range []string{"aliasArn", "proxyEndpoint", "url", "functionName"} {
		if s, _ := plan.Outputs[k].(string); s == "" {
			t.Errorf("output %s missing", k)
		}
	}
	if a, _ := plan.Outputs["aliasArn"].(string); !strings.HasSuffix(a, ":"+aws.AliasName) {
		t.Errorf("aliasArn = %q, want the alias", a)
	}
}

// assertProvisioner: with a created database, the role provisioner runs once per
// change at deploy, before the connector function; it reaches the database only,
// holds no credentials in its environment or role, and gets them as a secret input.
// With an existing database there is none.
func assertProvisioner(t *testing.T, cfg *config.Config, plan *preview.Plan, fn, prov policy.Resource, rules []policy.Resource) {
	t.Helper()
	runs := policy.OfType(plan.Resources, "aws:lambda/invocation:Invocation")
	if !cfg.Database.Creates() {
		plantest.Eq(t, "provisioner invocations with an existing database", len(runs), 0)
		plantest.Eq(t, "provisioner function with an existing database", prov.Name, "")
		return
	}
	if len(runs) != 1 || prov.Name == "" {
		t.Fatalf("created database: want 1 provisioner function and 1 invocation, got %q and %d", prov.Name, len(runs))
	}
	run := runs[0]
	plantest.Eq(t, "invocation function", run.String("functionName"), prov.String("name"))
	plantest.Eq(t, "invocation input", run.String("input"), policy.Secret)
	plantest.Eq(t, "invocation lifecycleScope", run.String("lifecycleScope"), "CREATE_ONLY")
	plantest.Eq(t, "trigger schemas", run.String("triggers.schemas"), strings.Join(cfg.DBSchemas, ","))
	if run.String("triggers.role") == "" || len(run.String("triggers.code")) != 64 {
		t.Errorf("triggers = %v, want the role spec hash and the provisioner's code hash", run.Inputs["triggers"])
	}
	plantest.Eq(t, "function waits for the provisioner", fn.Needs(run.Name), true)
	plantest.Eq(t, "provisioner runtime", prov.String("runtime"), "provided.al2023")
	archs, _ := prov.Get("architectures")
	plantest.Eq(t, "provisioner architectures", strings.Join(strs(archs), ","), cfg.LambdaArch())
	plantest.Eq(t, "provisioner tracing", prov.String("tracingConfig.mode"), "Active")
	if _, has := prov.Get("environment"); has {
		t.Errorf("provisioner has an environment: %v", prov.Inputs["environment"])
	}
	if prov.String("sourceCodeHash") == fn.String("sourceCodeHash") || prov.String("sourceCodeHash") == "" {
		t.Errorf("provisioner code hash %q: want its own artifact, not the connector's", prov.String("sourceCodeHash"))
	}
	plantest.Eq(t, "trigger code is the provisioner's zip", base64Hex(prov.String("sourceCodeHash")), run.String("triggers.code"))
	sgs, _ := prov.Get("vpcConfig.securityGroupIds")
	fnSGs, _ := fn.Get("vpcConfig.securityGroupIds")
	provSG, fnSG := strings.Join(strs(sgs), ","), strings.Join(strs(fnSGs), ",")
	if provSG == "" || provSG == fnSG {
		t.Errorf("provisioner security groups %q: want its own, not the function's %q", provSG, fnSG)
	}
	// Its only path: egress to the database's group, and the database's ingress from it.
	var db string
	for _, r := range rules {
		if r.String("securityGroupId") == provSG {
			plantest.Eq(t, r.Name+" is egress", r.Type, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
			db = r.String("referencedSecurityGroupId")
			plantest.Eq(t, "invocation waits for "+r.Name, run.Needs(r.Name), true)
		}
	}
	inst := plantest.Only(t, plan, "aws:rds/instance:Instance")
	dbSGs, _ := inst.Get("vpcSecurityGroupIds")
	plantest.Eq(t, "provisioner reaches the database's group", db, strings.Join(strs(dbSGs), ","))
	from := 0
	for _, r := range rules {
		if r.String("referencedSecurityGroupId") == provSG {
			from++
			plantest.Eq(t, r.Name+" on the database's group", r.String("securityGroupId"), db)
			plantest.Eq(t, "invocation waits for "+r.Name, run.Needs(r.Name), true)
		}
	}
	plantest.Eq(t, "database ingress rules from the provisioner", from, 1)
	// Its role reads no secret.
	for _, p := range policy.OfType(plan.Resources, "aws:iam/rolePolicy:RolePolicy") {
		if strings.Contains(p.Name, "dbrole") && strings.Contains(p.String("policy"), "secretsmanager") {
			t.Errorf("provisioner policy %s reads secrets: %s", p.Name, p.String("policy"))
		}
	}
}

func base64Hex(b64 string) string {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(b)
}

func authIAM(px policy.Resource) bool {
	v, _ := px.Get("auths")
	list, _ := v.([]any)
	if len(list) == 0 {
		return false
	}
	for _, a := range list {
		if m, _ := a.(map[string]any); m["iamAuth"] != "REQUIRED" {
			return false
		}
	}
	return true
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestAWSStacksDiffer pins what the two committed AWS stacks are for.
func TestAWSStacksDiffer(t *testing.T) {
	root := plantest.Root(t)
	dev, err := config.FromStackFile(root, "aws-dev", "")
	if err != nil {
		t.Fatal(err)
	}
	prod, err := config.FromStackFile(root, "aws-prod", "")
	if err != nil {
		t.Fatal(err)
	}
	if dev.WarmInstances != 0 || dev.MemoryMB >= prod.MemoryMB || dev.Database.DeletionProtection {
		t.Errorf("aws-dev: want no warm instances, less memory than prod, no deletion protection; got warm %d, memory %d, protection %v",
			dev.WarmInstances, dev.MemoryMB, dev.Database.DeletionProtection)
	}
	if prod.WarmInstances < 1 || !prod.Database.DeletionProtection {
		t.Errorf("aws-prod: want warm instances and deletion protection; got warm %d, protection %v", prod.WarmInstances, prod.Database.DeletionProtection)
	}
}
