package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

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
	c, err := decode(src)
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
	c, err := decode(src)
	if err != nil {
		return nil, err
	}
	c.Project, c.Stack = string(sf.Project.Name), stack
	return c, nil
}

// decode turns engine-style config into a validated Config.
func decode(src Source) (*Config, error) {
	v := NewProblems(src.File)
	d := decoder{src: src, v: v}
	d.checkKeys()

	c := &Config{StackFile: src.File}
	c.Cloud = Cloud(d.str("cloud", "", func(s string) string {
		for _, cl := range clouds {
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
		c.Arch = supportedArch[c.Cloud][0]
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

func stackOf(file string) string {
	base := file[strings.LastIndex(file, "/")+1:]
	return strings.TrimSuffix(strings.TrimPrefix(base, "Pulumi."), ".yaml")
}
