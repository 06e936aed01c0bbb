package gcp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/sql"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// database returns the instance connection name and the IAM user the function logs
// in as. A created instance has no public authorized networks and accepts only
// connector connections (mutual TLS), with IAM authentication on.
func (d *deployer) database(sa *serviceaccount.Account) (instance, user pulumi.StringOutput, err error) {
	// Cloud SQL's IAM user for a service account is its email without the
	// ".gserviceaccount.com" suffix.
	user = sa.Email.ApplyT(func(e string) string { return strings.TrimSuffix(e, ".gserviceaccount.com") }).(pulumi.StringOutput)
	db := d.cfg.Database
	if !db.Creates() {
		// An existing instance: the stack adds only this function's IAM user; the
		// instance must already have cloudsql.iam_authentication on.
		name := d.g.ExistingInstanceConnectionName
		parts := strings.Split(name, ":")
		if _, err := sql.NewUser(d.ctx, d.n("db-user"), &sql.UserArgs{
			// The instance's own project, which may not be the provider's.
			Project:  pulumi.String(parts[0]),
			Instance: pulumi.String(parts[len(parts)-1]),
			Name:     user,
			Type:     pulumi.String("CLOUD_IAM_SERVICE_ACCOUNT"),
		}, d.parent); err != nil {
			return instance, user, fmt.Errorf("db user: %w", err)
		}
		return pulumi.String(name).ToStringOutput(), user, nil
	}

	flags := sql.DatabaseInstanceSettingsDatabaseFlagArray{
		&sql.DatabaseInstanceSettingsDatabaseFlagArgs{Name: pulumi.String("cloudsql.iam_authentication"), Value: pulumi.String("on")},
		&sql.DatabaseInstanceSettingsDatabaseFlagArgs{Name: pulumi.String("log_connections"), Value: pulumi.String("on")},
		// One runaway sort or hash cannot fill the disk (issue 10): each process's
		// temporary files are capped (kB; Cloud SQL accepts 1048576 and up).
		&sql.DatabaseInstanceSettingsDatabaseFlagArgs{Name: pulumi.String("temp_file_limit"), Value: pulumi.String(strconv.Itoa(config.TempFileLimitKB(db.StorageGB)))},
	}
	if db.MaxConnections != config.CloudSQLMaxConnections(d.g.DBTier) {
		flags = append(flags, &sql.DatabaseInstanceSettingsDatabaseFlagArgs{
			Name: pulumi.String("max_connections"), Value: pulumi.String(strconv.Itoa(db.MaxConnections)),
		})
	}
	inst, err := sql.NewDatabaseInstance(d.ctx, d.n("pg"), &sql.DatabaseInstanceArgs{
		Region:             pulumi.String(d.g.Region),
		DatabaseVersion:    pulumi.String("POSTGRES_" + db.EngineVersion),
		DeletionProtection: pulumi.Bool(db.DeletionProtection),
		Settings: &sql.DatabaseInstanceSettingsArgs{
			Tier:                      pulumi.String(d.g.DBTier),
			Edition:                   pulumi.String("ENTERPRISE"),
			AvailabilityType:          pulumi.String(d.g.DBAvailability),
			DiskSize:                  pulumi.Int(db.StorageGB),
			DiskType:                  pulumi.String("PD_SSD"),
			DiskAutoresize:            pulumi.Bool(true),
			DeletionProtectionEnabled: pulumi.Bool(db.DeletionProtection),
			UserLabels:                d.labels(),
			DatabaseFlags:             flags,
			// Connector-only: the public IP exists for the connector's mTLS tunnel but
			// has no authorized networks, direct connections are refused
			// (connectorEnforcement) and every connection needs a client certificate.
			ConnectorEnforcement: pulumi.String("REQUIRED"),
			IpConfiguration: &sql.DatabaseInstanceSettingsIpConfigurationArgs{
				Ipv4Enabled:        pulumi.Bool(true),
				AuthorizedNetworks: sql.DatabaseInstanceSettingsIpConfigurationAuthorizedNetworkArray{},
				SslMode:            pulumi.String("TRUSTED_CLIENT_CERTIFICATE_REQUIRED"),
				// pulumi-gcp v7 (terraform-provider-google v5) always sends requireSsl,
				// false when unset, and Cloud SQL refuses requireSsl=false with this
				// sslMode; true is the compatible value (policy gcp-sql-ssl-pair).
				RequireSsl: pulumi.Bool(true),
			},
			BackupConfiguration: &sql.DatabaseInstanceSettingsBackupConfigurationArgs{
				Enabled:                    pulumi.Bool(true),
				PointInTimeRecoveryEnabled: pulumi.Bool(true),
				// Cloud SQL refuses retained backups below the transaction-log
				// retention (7 days by default on ENTERPRISE): keep the logs no
				// longer than the backups.
				TransactionLogRetentionDays: pulumi.Int(min(7, db.BackupRetentionDays)),
				BackupRetentionSettings: &sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs{
					RetainedBackups: pulumi.Int(db.BackupRetentionDays),
					RetentionUnit:   pulumi.String("COUNT"),
				},
			},
		},
	}, d.parent)
	if err != nil {
		return instance, user, fmt.Errorf("cloud sql instance: %w", err)
	}
	if _, err := sql.NewDatabase(d.ctx, d.n("db"), &sql.DatabaseArgs{
		Instance: inst.Name,
		Name:     pulumi.String(db.Name),
	}, d.parent); err != nil {
		return instance, user, fmt.Errorf("database: %w", err)
	}
	// IAM login, no password: the connector fetches an OAuth token for the
	// function's own service account on each new connection.
	if _, err := sql.NewUser(d.ctx, d.n("db-user"), &sql.UserArgs{
		Instance: inst.Name,
		Name:     user,
		Type:     pulumi.String("CLOUD_IAM_SERVICE_ACCOUNT"),
	}, d.parent); err != nil {
		return instance, user, fmt.Errorf("db user: %w", err)
	}
	return inst.ConnectionName, user, nil
}
