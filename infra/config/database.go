package config

// Database is where the function's data lives: a database the stack creates, or an
// existing one. Cloud-specific identifiers of an existing database live in the cloud section.
type Database struct {
	Mode                string `json:"mode"`                // create | existing
	Name                string `json:"name"`                // database name
	User                string `json:"user"`                // role the function connects as
	EngineVersion       string `json:"engineVersion"`       // PostgreSQL major version
	StorageGB           int    `json:"storageGB"`           // created database only
	BackupRetentionDays int    `json:"backupRetentionDays"` // created database only
	DeletionProtection  bool   `json:"deletionProtection"`
	// MaxConnections is the connection limit of the database server available to this
	// function. 0: derived from the instance size by the cloud section.
	MaxConnections int `json:"maxConnections"`
	// ConfirmModeChange allows a run whose mode differs from the deployed one (which
	// deletes a created database); see program.guardDatabaseMode.
	ConfirmModeChange bool `json:"confirmModeChange"`
}

// Creates reports whether the stack creates its database.
func (d Database) Creates() bool { return d.Mode == "create" }

// TempFileLimitKB is temp_file_limit (kB) for a database the stack creates: a tenth of
// its storage per process, at least 1 GiB (Cloud SQL's lowest accepted value), so one
// runaway sort or hash join cannot fill the disk the other sessions need.
func TempFileLimitKB(storageGB int) int {
	return max(1<<20, storageGB*(1<<20)/10)
}

// reservedDBUsers are admin roles the function must never be: the admin of a database
// the stack creates (AWS and Azure) and the built-in admins of RDS, Cloud SQL, Azure
// and PostgreSQL.
var reservedDBUsers = []string{"aacadmin", "postgres", "rdsadmin", "rds_superuser", "azure_pg_admin", "azuresu", "cloudsqladmin", "cloudsqlsuperuser"}
