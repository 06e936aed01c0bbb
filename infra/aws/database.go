package aws

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// AdminLogin is the master user of a database the stack creates. The function never
// connects as it: it logs in as database.user, a read-only role that the
// provisioner (provisioner.go) creates at deploy with the password of the role
// secret the proxy reads.
const AdminLogin = "aacadmin"

// database is PostgreSQL behind RDS Proxy.
type database struct {
	proxyEndpoint pulumi.StringOutput
	// masterSecretArn (created database only) holds the master user's credentials,
	// managed by RDS; roleSecretArn those of database.user, which the proxy reads.
	masterSecretArn, roleSecretArn pulumi.StringOutput
	// roleSecretVersionID (created database only) is the role secret's ARN taken from
	// its version resource, so a lookup of the value runs after the value exists.
	roleSecretVersionID pulumi.StringOutput
	address             pulumi.StringOutput
	// dbUserArn is the rds-db:connect resource of database.user through the proxy:
	// arn:<partition>:rds-db:<region>:<account>:dbuser:<proxy resource id>/<user>.
	dbUserArn pulumi.StringOutput
}

func newDatabase(ctx *pulumi.Context, name string, cfg *config.Config, net *network, parent pulumi.ResourceOption) (*database, error) {
	d := cfg.Database
	var secretArn, instanceID, masterArn, address, roleVersion pulumi.StringOutput
	if d.Creates() {
		subnetGroup, err := rds.NewSubnetGroup(ctx, name+"-db-subnets", &rds.SubnetGroupArgs{
			SubnetIds:   net.subnetIDs,
			Description: pulumi.String("ai-agent-connector private subnets"),
			Tags:        tags(ctx, name+"-db-subnets"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("db subnet group: %w", err)
		}
		// TLS from the proxy to the database too, not only from the function to the proxy.
		params, err := rds.NewParameterGroup(ctx, name+"-db-params", &rds.ParameterGroupArgs{
			Family:      pulumi.String("postgres" + d.EngineVersion),
			Description: pulumi.String("ai-agent-connector: TLS required, temp files capped"),
			Parameters: rds.ParameterGroupParameterArray{
				rds.ParameterGroupParameterArgs{Name: pulumi.String("rds.force_ssl"), Value: pulumi.String("1")},
				// One runaway sort or hash cannot fill the disk (issue 10), in kB.
				rds.ParameterGroupParameterArgs{Name: pulumi.String("temp_file_limit"), Value: pulumi.String(strconv.Itoa(config.TempFileLimitKB(d.StorageGB)))},
			},
			Tags: tags(ctx, name+"-db-params"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("db parameter group: %w", err)
		}
		args := &rds.InstanceArgs{
			Engine:                   pulumi.String("postgres"),
			EngineVersion:            pulumi.String(d.EngineVersion),
			InstanceClass:            pulumi.String(cfg.AWS.DBInstanceClass),
			AllocatedStorage:         pulumi.Int(d.StorageGB),
			StorageType:              pulumi.String("gp3"),
			StorageEncrypted:         pulumi.Bool(true),
			PubliclyAccessible:       pulumi.Bool(false),
			MultiAz:                  pulumi.Bool(cfg.AWS.MultiAZ),
			DbName:                   pulumi.String(d.Name),
			Username:                 pulumi.String(AdminLogin),
			ManageMasterUserPassword: pulumi.Bool(true), // password generated and kept in Secrets Manager by RDS
			DbSubnetGroupName:        subnetGroup.Name,
			ParameterGroupName:       params.Name,
			VpcSecurityGroupIds:      pulumi.StringArray{net.dbSG},
			BackupRetentionPeriod:    pulumi.Int(d.BackupRetentionDays),
			DeletionProtection:       pulumi.Bool(d.DeletionProtection),
			CopyTagsToSnapshot:       pulumi.Bool(true),
			AutoMinorVersionUpgrade:  pulumi.Bool(true),
			Tags:                     tags(ctx, name+"-db"),
		}
		if d.DeletionProtection {
			args.SkipFinalSnapshot = pulumi.Bool(false)
			args.FinalSnapshotIdentifier = pulumi.String(physicalName(ctx) + "-final")
		} else {
			args.SkipFinalSnapshot = pulumi.Bool(true)
		}
		inst, err := rds.NewInstance(ctx, name+"-db", args, parent, pulumi.Protect(d.DeletionProtection))
		if err != nil {
			return nil, fmt.Errorf("db instance: %w", err)
		}
		masterArn = inst.MasterUserSecrets.Index(pulumi.Int(0)).SecretArn().Elem()
		instanceID = inst.Identifier
		address = inst.Address
		// database.user's own credentials, in a secret of this stack: the proxy logs
		// in with them, and the provisioner gives the role this password. Generated
		// once; later runs' candidates are discarded by ignoreChanges.
		pw, err := generatePassword()
		if err != nil {
			return nil, err
		}
		roleSecret, err := secretsmanager.NewSecret(ctx, name+"-db-role", &secretsmanager.SecretArgs{
			NamePrefix:  pulumi.String(physicalName(ctx) + "-db-role-"),
			Description: pulumi.String("ai-agent-connector: credentials of the read-only database.user " + d.User + " (RDS Proxy logs in with them)"),
			Tags:        tags(ctx, name+"-db-role"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("db role secret: %w", err)
		}
		body, _ := json.Marshal(map[string]string{"username": d.User, "password": pw})
		version, err := secretsmanager.NewSecretVersion(ctx, name+"-db-role-v", &secretsmanager.SecretVersionArgs{
			SecretId:     roleSecret.ID(),
			SecretString: pulumi.ToSecret(pulumi.String(string(body))).(pulumi.StringOutput),
		}, parent, pulumi.IgnoreChanges([]string{"secretString"}))
		if err != nil {
			return nil, fmt.Errorf("db role secret value: %w", err)
		}
		secretArn = roleSecret.Arn
		roleVersion = version.Arn
	} else {
		secretArn = pulumi.String(cfg.AWS.ExistingDBSecretARN).ToStringOutput()
		instanceID = pulumi.String(cfg.AWS.ExistingDBInstanceID).ToStringOutput()
	}

	// The proxy's own role reads exactly the one credentials secret.
	proxyRole, err := iam.NewRole(ctx, name+"-proxy-role", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy("rds.amazonaws.com")),
		Description:      pulumi.String("RDS Proxy of ai-agent-connector: read the database credentials secret"),
		Tags:             tags(ctx, name+"-proxy-role"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("proxy role: %w", err)
	}
	stmts := []statement{{
		Sid:      "ReadDatabaseCredentials",
		Actions:  []string{"secretsmanager:GetSecretValue"},
		Resource: secretArn,
	}}
	if k := cfg.AWS.ExistingDBSecretKMSKeyARN; k != "" && !d.Creates() {
		// A customer-managed key on the existing secret: without kms:Decrypt the proxy
		// cannot read the credentials (aws-cdk#28847). Only through Secrets Manager.
		stmts = append(stmts, statement{
			Sid:       "DecryptDatabaseCredentials",
			Actions:   []string{"kms:Decrypt"},
			Resource:  pulumi.String(k),
			Condition: map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + strings.Split(k, ":")[3] + ".amazonaws.com"}},
		})
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-proxy-secret", &iam.RolePolicyArgs{
		Role:   proxyRole.ID(),
		Policy: policyJSON(stmts...),
	}, parent); err != nil {
		return nil, fmt.Errorf("proxy role policy: %w", err)
	}

	proxy, err := rds.NewProxy(ctx, name+"-proxy", &rds.ProxyArgs{
		EngineFamily: pulumi.String("POSTGRESQL"),
		RequireTls:   pulumi.Bool(true),
		Auths: rds.ProxyAuthArray{rds.ProxyAuthArgs{
			AuthScheme:             pulumi.String("SECRETS"),
			IamAuth:                pulumi.String("REQUIRED"), // the function connects with IAM tokens, no password
			SecretArn:              secretArn,
			ClientPasswordAuthType: pulumi.String("POSTGRES_SCRAM_SHA_256"),
			Description:            pulumi.String("database.user " + d.User),
		}},
		RoleArn:             proxyRole.Arn,
		VpcSubnetIds:        net.subnetIDs,
		VpcSecurityGroupIds: pulumi.StringArray{net.proxySG},
		IdleClientTimeout:   pulumi.Int(1800),
		DebugLogging:        pulumi.Bool(false), // would log SQL text
		Tags:                tags(ctx, name+"-proxy"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("rds proxy: %w", err)
	}
	pct := cfg.AWS.ProxyMaxConnectionsPercent
	tg, err := rds.NewProxyDefaultTargetGroup(ctx, name+"-proxy-tg", &rds.ProxyDefaultTargetGroupArgs{
		DbProxyName: proxy.Name,
		ConnectionPoolConfig: rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs{
			MaxConnectionsPercent:     pulumi.Int(pct),
			MaxIdleConnectionsPercent: pulumi.Int(max(pct/2, 1)),
			ConnectionBorrowTimeout:   pulumi.Int(120),
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("rds proxy target group: %w", err)
	}
	if _, err := rds.NewProxyTarget(ctx, name+"-proxy-target", &rds.ProxyTargetArgs{
		DbProxyName:          proxy.Name,
		TargetGroupName:      tg.Name,
		DbInstanceIdentifier: instanceID,
	}, parent); err != nil {
		return nil, fmt.Errorf("rds proxy target: %w", err)
	}

	return &database{
		proxyEndpoint:       proxy.Endpoint,
		masterSecretArn:     masterArn,
		roleSecretArn:       secretArn,
		roleSecretVersionID: roleVersion,
		address:             address,
		dbUserArn: proxy.Arn.ApplyT(func(arn string) (string, error) {
			return dbUserARN(arn, d.User)
		}).(pulumi.StringOutput),
	}, nil
}

// dbUserARN turns a proxy ARN arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0abc into the
// rds-db:connect resource arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-0abc/<user>.
func dbUserARN(proxyArn, user string) (string, error) {
	p := strings.Split(proxyArn, ":")
	if len(p) != 7 || p[2] != "rds" || p[5] != "db-proxy" {
		return "", fmt.Errorf("unexpected RDS Proxy ARN %q", proxyArn)
	}
	return fmt.Sprintf("arn:%s:rds-db:%s:%s:dbuser:%s/%s", p[1], p[3], p[4], p[6], user), nil
}

// statement is one Allow statement of an IAM policy.
type statement struct {
	Sid       string
	Actions   []string
	Resource  pulumi.StringInput
	Condition map[string]any // optional
}

// policyJSON renders Allow statements as an IAM policy document.
func policyJSON(stmts ...statement) pulumi.StringOutput {
	var resources []any
	for _, s := range stmts {
		resources = append(resources, s.Resource)
	}
	return pulumi.All(resources...).ApplyT(func(rs []any) (string, error) {
		doc := map[string]any{"Version": "2012-10-17"}
		var list []map[string]any
		for i, s := range stmts {
			st := map[string]any{"Sid": s.Sid, "Effect": "Allow", "Action": s.Actions, "Resource": rs[i]}
			if s.Condition != nil {
				st["Condition"] = s.Condition
			}
			list = append(list, st)
		}
		doc["Statement"] = list
		b, err := json.Marshal(doc)
		return string(b), err
	}).(pulumi.StringOutput)
}

func assumeRolePolicy(service string) string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": service},
			"Action":    "sts:AssumeRole",
		}},
	})
	return string(b)
}

// generatePassword returns 32 random letters and digits (no characters a URL or a
// shell would need quoted).
func generatePassword() (string, error) {
	const set = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	for i := range b {
		b[i] = set[int(b[i])%len(set)]
	}
	return string(b), nil
}
