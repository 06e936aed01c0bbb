// Package config reads the stack config of ai-agent-connector once, into one typed
// struct, and validates it before any resource is declared.
//
// Files are loaded with Pulumi's own workspace loaders (Pulumi.yaml and
// stacks/Pulumi.<stack>.yaml); values come from the engine (ctx) exactly as the
// program sees them under `pulumi up`, so the same code runs under mocks.
// Every problem names the stack file, the key, the value and what is allowed.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Cloud names a target cloud.
type Cloud string

const (
	CloudAWS   Cloud = "aws"
	CloudGCP   Cloud = "gcp"
	CloudAzure Cloud = "azure"
)

// Clouds lists the supported clouds.
var Clouds = []Cloud{CloudAWS, CloudGCP, CloudAzure}

// SupportedArch lists the CPU architectures each cloud can run our binary on.
// Lambda runs arm64 (Graviton) and x86_64; Cloud Functions gen2 and Azure Functions
// custom handlers run linux/amd64 only.
var SupportedArch = map[Cloud][]string{
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

// EnvVar is one variable of the function's environment.
type EnvVar struct{ Name, Value string }

// FunctionEnv is the part of the function's environment that comes from the stack
// config alone (function/connector/doc.go reads these), in the order the components
// declare them. Each component adds only what its cloud decides: DATABASE_URL and
// how it authenticates, and API_KEYS as its cloud's secret reference. A new key the
// function reads goes here and nowhere per cloud.
func (c *Config) FunctionEnv() []EnvVar {
	return []EnvVar{
		{"DB_SCHEMAS", strings.Join(c.DBSchemas, ",")},
		{"POOL_SIZE", strconv.Itoa(c.PoolSize)},
		{"QUERY_TIMEOUT_MS", strconv.Itoa(c.QueryTimeoutMs)},
		{"MAX_ROWS", strconv.Itoa(c.MaxRows)},
		{"COLD_START_WARN_MS", strconv.Itoa(c.ColdStartWarnMs)},
		{"LOG_LEVEL", c.LogLevel},
	}
}

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

// Secret is a config value that was a Pulumi secret. It never prints its value.
type Secret struct {
	value string
	set   bool
}

// NewSecret wraps a value as a secret (tests and loaders).
func NewSecret(v string) Secret { return Secret{value: v, set: true} }

// IsSet reports whether the secret was configured.
func (s Secret) IsSet() bool { return s.set }

// String never reveals the value.
func (s Secret) String() string {
	if !s.set {
		return "(not set)"
	}
	return "[secret]"
}

// GoString never reveals the value.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON never reveals the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Output returns the value as a Pulumi secret output.
func (s Secret) Output() pulumi.StringOutput {
	return pulumi.ToSecret(pulumi.String(s.value)).(pulumi.StringOutput)
}

// Options locate the project and stack file. Zero values: the project root is found
// by walking up from the working directory; the stack file is
// <stackConfigDir>/Pulumi.<ctx.Stack()>.yaml.
type Options struct {
	Root      string
	StackFile string
}

// Load reads and validates the stack config for the running program, before any
// resource is declared. Values come from the engine (ctx), keys and plain-text
// checks from the stack file.
func Load(ctx *pulumi.Context, o Options) (*Config, error) {
	root := o.Root
	if root == "" {
		root = ctx.RootDirectory() // set by the engine (PULUMI_ROOT_DIRECTORY)
	}
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("load config: %w", err)
		}
		if root, err = FindRoot(wd); err != nil {
			return nil, fmt.Errorf("load config: %w", err)
		}
	}
	// Under the engine a stack may live without a file (all config from an ESC
	// environment): LoadProjectStack then yields an empty stack.
	sf, err := readStack(root, ctx.Stack(), o.StackFile, false)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	src := sf.fileSource()
	src.Values = map[string]string{}
	keys := map[string]bool{}
	for k := range src.FileKeys {
		keys[k] = true
	}
	for name := range src.Declared {
		keys[Namespace+":"+name] = true
	}
	for k := range keys {
		if v, ok := ctx.GetConfig(k); ok {
			src.Values[k] = v
			if ctx.IsConfigSecret(k) {
				src.Secret[k] = true
			}
		}
	}
	c, err := Decode(src)
	if err != nil {
		return nil, err
	}
	c.Project, c.Stack = ctx.Project(), ctx.Stack()
	// A stack without keys would deploy, answer a green /health and 503 on every
	// real request (and CI's upsert would do exactly that on a new fork): refuse it
	// at `pulumi preview`, before anything is created. Only the engine path checks
	// this; scripts reading a stack file offline do not need the keys.
	if !c.APIKeys.IsSet() {
		v := NewProblems(src.File)
		v.Add("apiKeys", nil, fmt.Sprintf("required: bearer keys the function accepts; run `pulumi config set --secret apiKeys \"$(openssl rand -hex 32)\" -s %s`", ctx.Stack()))
		return nil, v.Err()
	}
	return c, nil
}

// FromStackFile reads and validates a stack file without a running program
// (scripts and tests). Secure values stay opaque.
func FromStackFile(root, stack, stackFile string) (*Config, error) {
	sf, err := ReadStack(root, stack, stackFile)
	if err != nil {
		return nil, err
	}
	src, err := sf.Source()
	if err != nil {
		return nil, err
	}
	c, err := Decode(src)
	if err != nil {
		return nil, err
	}
	c.Project, c.Stack = string(sf.Project.Name), stack
	return c, nil
}

// Decode turns engine-style config into a validated Config.
func Decode(src Source) (*Config, error) {
	v := NewProblems(src.File)
	d := decoder{src: src, v: v}
	d.checkKeys()

	c := &Config{StackFile: src.File}
	c.Cloud = Cloud(d.str("cloud", "", func(s string) string {
		for _, cl := range Clouds {
			if Cloud(s) == cl {
				return ""
			}
		}
		return "one of aws, gcp, azure"
	}))
	if c.Cloud == "" {
		if _, set := d.raw("cloud"); !set {
			v.Add("cloud", nil, "one of aws, gcp, azure (required)")
		}
		return nil, v.Err()
	}
	if _, bad := d.bad["cloud"]; bad {
		return nil, v.Err()
	}
	c.Arch = d.str("arch", "", nil)
	c.MemoryMB = d.integer("memoryMB", 0)
	c.TimeoutSeconds = d.integer("timeoutSeconds", 30)
	c.WarmInstances = d.integer("warmInstances", 0)
	c.MaxInstances = d.integer("maxInstances", 0)
	c.PoolSize = d.integer("poolSize", 0)
	c.ColdStartWarnMs = d.integer("coldStartWarnMs", 2000)
	c.LogRetentionDays = d.integer("logRetentionDays", 0)
	c.QueryTimeoutMs = d.integer("queryTimeoutMs", 5000)
	c.MaxRows = d.integer("maxRows", 1000)
	c.LogLevel = d.str("logLevel", "info", oneOf("debug", "info", "warn", "error"))
	c.DBSchemas = splitList(d.str("dbSchemas", "public", nil))
	c.APIKeys = d.secret("apiKeys")
	d.object("database", &c.Database)
	d.object("aws", &c.AWS)
	d.object("gcp", &c.GCP)
	d.object("azure", &c.Azure)
	if d.typeErr {
		return nil, v.Err() // type errors first: defaults and ranges on garbage only add noise
	}

	c.applyDefaults()
	c.validate(v, &d)
	d.checkSections(c)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) applyDefaults() {
	if c.Arch == "" {
		c.Arch = SupportedArch[c.Cloud][0]
	}
	if c.PoolSize == 0 {
		// One request per execution environment at a time on Lambda: a pool of 1 fits.
		// The others serve concurrent requests per instance.
		c.PoolSize = 4
		if c.Cloud == CloudAWS {
			c.PoolSize = 1
		}
	}
	db := &c.Database
	if db.Mode == "" {
		db.Mode = "create"
	}
	if db.Name == "" {
		db.Name = "connector"
	}
	if db.User == "" {
		db.User = "connector"
	}
	if db.EngineVersion == "" {
		db.EngineVersion = "16"
	}
	if db.BackupRetentionDays == 0 {
		db.BackupRetentionDays = 7
	}
	switch c.Cloud {
	case CloudAWS:
		c.AWS.applyDefaults(c)
	case CloudGCP:
		c.GCP.applyDefaults(c)
	case CloudAzure:
		c.Azure.applyDefaults(c)
	}
	// After the cloud's defaults, so a cloud with another minimum (Azure: 32 GB of
	// storage, 30 days of Log Analytics retention) can set its own.
	if db.StorageGB == 0 {
		db.StorageGB = 20
	}
	if c.LogRetentionDays == 0 {
		c.LogRetentionDays = 14
	}
	if c.MaxInstances == 0 {
		c.MaxInstances = 10
	}
}

func (c *Config) validate(v *Problems, d *decoder) {
	if !contains(SupportedArch[c.Cloud], c.Arch) {
		v.Addf("arch", c.Arch, "%s runs only %s", c.Cloud, strings.Join(SupportedArch[c.Cloud], ", "))
	}
	if c.MemoryMB < 0 {
		v.Add("memoryMB", c.MemoryMB, "a positive number of MB")
	}
	if c.TimeoutSeconds < 1 {
		v.Add("timeoutSeconds", c.TimeoutSeconds, "at least 1")
	}
	if c.WarmInstances < 0 {
		v.Add("warmInstances", c.WarmInstances, "0 or more")
	}
	if c.MaxInstances < 1 {
		v.Add("maxInstances", c.MaxInstances, "at least 1")
	}
	if c.WarmInstances > c.MaxInstances && c.MaxInstances >= 1 {
		v.Addf("warmInstances", c.WarmInstances, "at most maxInstances (%d): warm instances count against the maximum", c.MaxInstances)
	}
	if c.PoolSize < 1 {
		v.Add("poolSize", c.PoolSize, "at least 1")
	}
	if c.ColdStartWarnMs < 1 {
		v.Add("coldStartWarnMs", c.ColdStartWarnMs, "at least 1 ms")
	}
	if c.LogRetentionDays < 1 {
		v.Add("logRetentionDays", c.LogRetentionDays, "at least 1 day")
	}
	if c.QueryTimeoutMs < 1 || c.QueryTimeoutMs >= c.TimeoutSeconds*1000 {
		v.Addf("queryTimeoutMs", c.QueryTimeoutMs, "1 to %d (below timeoutSeconds, so a slow query fails cleanly instead of the function timing out)", c.TimeoutSeconds*1000-1)
	}
	if c.MaxRows < 1 {
		v.Add("maxRows", c.MaxRows, "at least 1")
	}
	if len(c.DBSchemas) == 0 {
		v.Add("dbSchemas", "", "a comma-separated list of schema names, e.g. public")
	}
	for _, s := range c.DBSchemas {
		if !isIdent(s) {
			v.Add("dbSchemas", strings.Join(c.DBSchemas, ","), "comma-separated PostgreSQL identifiers (letters, digits, _)")
			break
		}
	}
	db := c.Database
	if db.Mode != "create" && db.Mode != "existing" {
		v.Add("database.mode", db.Mode, "create or existing")
	}
	if !isIdent(db.Name) {
		v.Add("database.name", db.Name, "a PostgreSQL identifier (letters, digits, _)")
	}
	if !isIdent(db.User) {
		v.Add("database.user", db.User, "a PostgreSQL identifier (letters, digits, _)")
	} else if slices.Contains(reservedDBUsers, strings.ToLower(db.User)) {
		// Every API-key holder acts as this role.
		v.Addf("database.user", db.User, "a role other than %s: those are admin roles (a created database's admin is aacadmin); the function connects as a separate read-only role (scripts/dbrole)", strings.Join(reservedDBUsers, ", "))
	}
	if db.StorageGB < 20 || db.StorageGB > 65536 {
		v.Add("database.storageGB", db.StorageGB, "20 to 65536")
	}
	if db.BackupRetentionDays < 1 || db.BackupRetentionDays > 35 {
		v.Add("database.backupRetentionDays", db.BackupRetentionDays, "1 to 35 (backups stay on)")
	}
	if db.MaxConnections < 0 {
		v.Add("database.maxConnections", db.MaxConnections, "0 (derive from the instance size) or a positive limit")
	}
	switch c.Cloud {
	case CloudAWS:
		c.AWS.validate(c, v)
	case CloudGCP:
		c.GCP.validate(c, v)
	case CloudAzure:
		c.Azure.validate(c, v)
	}
	// The connection budget: every instance may hold a full pool at once. A cloud
	// section may have checked a tighter budget (a pooler's share) already.
	if lim := c.Database.MaxConnections; lim > 0 && c.MaxInstances*c.PoolSize > lim && !v.has("maxInstances") {
		v.Addf("maxInstances", c.MaxInstances,
			"maxInstances × poolSize (%d × %d = %d) must fit the database's %d connections: lower maxInstances or poolSize, or raise database.maxConnections",
			c.MaxInstances, c.PoolSize, c.MaxInstances*c.PoolSize, lim)
	}
}

// decoder reads engine-style strings with type checks.
type decoder struct {
	src     Source
	v       *Problems
	bad     map[string]bool // keys whose value was rejected
	typeErr bool            // a value could not be read as its type
}

func (d *decoder) raw(key string) (string, bool) {
	s, ok := d.src.Values[Namespace+":"+key]
	return s, ok
}

// fail records a value that cannot be read as its type (or is not one of its values).
func (d *decoder) fail(key string, value any, allowed string) {
	d.reject(key, value, allowed)
	d.typeErr = true
}

// reject records a problem with key and ignores its value from here on.
func (d *decoder) reject(key string, value any, allowed string) {
	if d.bad == nil {
		d.bad = map[string]bool{}
	}
	d.bad[key] = true
	d.v.Add(key, value, allowed)
}

// checkKeys rejects unknown keys in the project namespace and plain-text secrets.
func (d *decoder) checkKeys() {
	var keys []string
	for k := range d.src.FileKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	declared := make([]string, 0, len(d.src.Declared))
	for name := range d.src.Declared {
		declared = append(declared, name)
	}
	sort.Strings(declared)
	for _, k := range keys {
		ns, name, _ := strings.Cut(k, ":")
		if ns != Namespace {
			// Provider config such as aws:region belongs to the provider; any other
			// namespace is read by nobody here, most often a misspelt project name.
			if !providerNamespaces[ns] {
				d.v.Add(k, raw("(not shown)"), fmt.Sprintf("a key nobody reads: this program reads %s:* and the provider keys of %s; did you mean %s:%s?",
					Namespace, strings.Join(sortedKeys(providerNamespaces), ", "), Namespace, name))
			}
			continue
		}
		if _, ok := d.src.Declared[name]; !ok {
			allowed := "a key declared in Pulumi.yaml (" + strings.Join(declared, ", ") + ")"
			if near := closest(name, declared); near != "" {
				allowed = fmt.Sprintf("unknown key; did you mean %s:%s? Keys are declared in Pulumi.yaml", Namespace, near)
			}
			d.v.Add(name, d.src.Values[k], allowed)
		}
	}
	for _, name := range declared {
		if !d.src.Declared[name].Secret {
			continue
		}
		k := Namespace + ":" + name
		if d.src.PlainInFile[k] {
			d.reject(name, raw("(plain text, not shown)"), fmt.Sprintf(
				"a secret: remove it from the stack file and run `pulumi config set --secret %s <value> -s %s`", name, d.stackName()))
		} else if _, set := d.src.Values[k]; set && !d.src.Secret[k] {
			d.reject(name, raw("(plain text, not shown)"), "a secret: set it with `pulumi config set --secret` or a secret store")
		}
	}
}

// failRaw records a problem whose value is shown as written (JSON of an object field).
func (d *decoder) failRaw(key, value, allowed string) {
	d.fail(key, raw(value), allowed)
}

func (d *decoder) str(key, def string, check func(string) string) string {
	s, ok := d.raw(key)
	if !ok {
		return def
	}
	if check != nil {
		if allowed := check(s); allowed != "" {
			// A value outside its set, not a type error: keep validating the rest,
			// so every problem of the stack is listed at once.
			d.reject(key, s, allowed)
			return def
		}
	}
	return s
}

func (d *decoder) integer(key string, def int) int {
	s, ok := d.raw(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		d.fail(key, s, "an integer")
		return def
	}
	return n
}

func (d *decoder) secret(key string) Secret {
	s, ok := d.raw(key)
	if !ok || d.bad[key] {
		return Secret{}
	}
	return NewSecret(s)
}

// object decodes a JSON object strictly into out (a pointer to a struct): unknown
// fields and wrong types are problems naming the key path, e.g. azure.plann.
func (d *decoder) object(key string, out any) {
	s, ok := d.raw(key)
	if !ok {
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &fields); err != nil {
		d.fail(key, s, "an object (a YAML mapping of settings)")
		return
	}
	rv := reflect.ValueOf(out).Elem()
	known := jsonFields(rv.Type())
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	knownNames := make([]string, 0, len(known))
	for n := range known {
		knownNames = append(knownNames, n)
	}
	sort.Strings(knownNames)
	for _, f := range names {
		idx, ok := known[f]
		if !ok {
			allowed := "unknown setting; allowed: " + strings.Join(knownNames, ", ")
			if len(knownNames) == 0 {
				allowed = "unknown setting: this section has no settings yet"
			}
			if near := closest(f, knownNames); near != "" {
				allowed = fmt.Sprintf("unknown setting; did you mean %s.%s?", key, near)
			}
			d.reject(key+"."+f, raw(fields[f]), allowed)
			continue
		}
		fv := rv.Field(idx)
		if fv.Kind() == reflect.String && isJSONNumber(fields[f]) {
			// `pulumi config set --path database.engineVersion 16` writes a number
			// ("integers are treated as numbers" with --path): take its digits.
			fv.SetString(string(fields[f]))
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(fields[f]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(fv.Addr().Interface()); err != nil {
			d.failRaw(key+"."+f, string(fields[f]), typeWord(fv.Type()))
		}
	}
}

func jsonFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = i
	}
	return m
}

func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(typeWord(t.Elem()), "an "), "a ") + "s"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return "a " + t.String()
}

func oneOf(allowed ...string) func(string) string {
	return func(s string) string {
		if contains(allowed, s) {
			return ""
		}
		return "one of " + strings.Join(allowed, ", ")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func isIdent(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// closest returns the candidate within edit distance 2 of s (case-insensitive), if any.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// stackName is the stack the config belongs to, for the commands in messages: a
// stack file given with --file may be named anything.
func (d *decoder) stackName() string {
	if d.src.Stack != "" {
		return d.src.Stack
	}
	return stackOf(d.src.File)
}

func stackOf(file string) string {
	base := file[strings.LastIndex(file, "/")+1:]
	return strings.TrimSuffix(strings.TrimPrefix(base, "Pulumi."), ".yaml")
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

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

// providerNamespaces are the providers whose config a stack file may carry.
var providerNamespaces = map[string]bool{"aws": true, "gcp": true, "azure-native": true, "pulumi": true}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkSections rejects settings for another cloud (silently ignored otherwise) and
// provider settings that disagree with this project's.
func (d *decoder) checkSections(c *Config) {
	for _, cl := range Clouds {
		if cl == c.Cloud {
			continue
		}
		if s, ok := d.raw(string(cl)); ok && s != "" && s != "{}" && s != "null" {
			d.v.Addf(string(cl), raw(s), "only for cloud %s; this stack's cloud is %s, which ignores it: remove the section (or set cloud: %s)", cl, c.Cloud, cl)
		}
		prefix := map[Cloud]string{CloudAWS: "aws:", CloudGCP: "gcp:", CloudAzure: "azure-native:"}[cl]
		for k := range d.src.FileKeys {
			if strings.HasPrefix(k, prefix) {
				d.v.Addf(k, raw(d.src.Values[k]), "provider config of %s in a %s stack: remove it", cl, c.Cloud)
			}
		}
	}
	switch c.Cloud {
	case CloudAWS:
		if r, ok := d.src.Values["aws:region"]; ok && !slices.Contains(AWSRegions, r) {
			allowed := "an AWS region name, e.g. us-east-1 (" + strings.Join(AWSRegions, ", ") + ")"
			if near := closest(r, AWSRegions); near != "" {
				allowed = "not an AWS region; did you mean " + near + "?"
			}
			d.v.Add("aws:region", r, allowed)
		}
	case CloudAzure:
		// azure.location places the resources; azure-native:location is the provider's
		// default for anything else. Two values leave resources in two regions.
		if l, ok := d.src.Values["azure-native:location"]; ok && l != c.Azure.Location {
			d.v.Addf("azure-native:location", l, "the same region as ai-agent-connector:azure.location (%s), or unset", c.Azure.Location)
		}
	}
}

// AWSRegions are the AWS Regions (commercial, GovCloud and China) as of 2026-12, from
// https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
var AWSRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "cn-north-1",
	"cn-northwest-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
	"sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
}

func isJSONNumber(b json.RawMessage) bool {
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return false
	}
	n, ok := x.(json.Number)
	return ok && n != ""
}
