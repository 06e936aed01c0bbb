package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// Source is the config of one stack as the Pulumi engine hands it to a program:
// flat "namespace:key" strings (objects as JSON), plus which keys are secret and
// which keys the stack file itself sets (to catch typos the engine passes on silently).
type Source struct {
	File        string                                 // stack file, relative to the project root (for messages)
	Stack       string                                 // stack name ("" = derived from File)
	Values      map[string]string                      // full key -> value
	Secret      map[string]bool                        // full key -> value is a secret
	FileKeys    map[string]bool                        // full keys written in the stack file
	PlainInFile map[string]bool                        // full keys written in the stack file as plain text (not secure:)
	Declared    map[string]workspace.ProjectConfigType // project-namespace key name -> declaration in Pulumi.yaml
}

// StackFile is a project and one of its stacks, loaded with Pulumi's own workspace loaders.
type StackFile struct {
	Root    string // directory holding Pulumi.yaml
	Path    string // absolute path of the stack file
	Rel     string // Path relative to Root, used in every message
	Name    string // stack name
	Project *workspace.Project
	Stack   *workspace.ProjectStack
}

// FindRoot walks up from dir to the directory holding Pulumi.yaml.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find project root: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find project root: no Pulumi.yaml in %s or any parent", abs)
		}
	}
}

// ReadStack loads root/Pulumi.yaml and the stack file of stack under its stackConfigDir.
// stackFile, when not empty, overrides the stack file location (tests, scripts/preview --file).
// A missing stack file is an error: offline, it is almost always a mistyped stack name.
func ReadStack(root, stack, stackFile string) (*StackFile, error) {
	return readStack(root, stack, stackFile, true)
}

func readStack(root, stack, stackFile string, mustExist bool) (*StackFile, error) {
	proj, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return nil, fmt.Errorf("load project: %w", err)
	}
	if stackFile == "" {
		stackFile = filepath.Join(root, proj.StackConfigDir, "Pulumi."+stack+".yaml")
	}
	abs, err := filepath.Abs(stackFile)
	if err != nil {
		return nil, fmt.Errorf("stack file %s: %w", stackFile, err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = abs
	}
	rel = filepath.ToSlash(rel)
	if _, err := os.Stat(abs); err != nil && (mustExist || !os.IsNotExist(err)) {
		return nil, fmt.Errorf("stack %q: %s: %w", stack, rel, err)
	}
	ps, err := workspace.LoadProjectStack(nil, proj, abs)
	if err != nil {
		return nil, fmt.Errorf("load stack file %s: %w", rel, err)
	}
	return &StackFile{Root: root, Path: abs, Rel: rel, Name: stack, Project: proj, Stack: ps}, nil
}

// StackNames lists the stacks that have a file in the project's stackConfigDir, sorted.
func StackNames(root string) ([]string, error) {
	proj, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return nil, fmt.Errorf("load project: %w", err)
	}
	matches, err := filepath.Glob(filepath.Join(root, proj.StackConfigDir, "Pulumi.*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list stacks: %w", err)
	}
	var names []string
	for _, m := range matches {
		b := filepath.Base(m)
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(b, "Pulumi."), ".yaml"))
	}
	sort.Strings(names)
	return names, nil
}

// EngineConfig returns the config map the Pulumi engine would pass to the program for
// this stack: declared project defaults, overlaid by the stack file's values.
// Secure values are NOT decrypted (no passphrase or key exists offline): the ciphertext
// is passed through as an opaque value and its key is listed as secret, so it stays
// a secret output all the way through the program.
func (s *StackFile) EngineConfig() (values map[string]string, secretKeys []string, err error) {
	values = map[string]string{}
	for name, decl := range s.Project.Config {
		if strings.Contains(name, ":") || decl.Default == nil {
			continue
		}
		v, err := defaultString(decl.Default)
		if err != nil {
			return nil, nil, fmt.Errorf("Pulumi.yaml: default of %s:%s: %w", Namespace, name, err)
		}
		values[Namespace+":"+name] = v
	}
	for k, v := range s.Stack.Config {
		raw, err := v.Value(config.NopDecrypter) // plain text, or the ciphertext of a secure value
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", s.Rel, k.String(), err)
		}
		values[k.String()] = raw
		if v.Secure() {
			secretKeys = append(secretKeys, k.String())
		}
	}
	sort.Strings(secretKeys)
	return values, secretKeys, nil
}

// Source returns the config as Decode takes it, straight from the stack file
// (what the program sees under mocks).
func (s *StackFile) Source() (Source, error) {
	values, secrets, err := s.EngineConfig()
	if err != nil {
		return Source{}, err
	}
	src := s.fileSource()
	src.Values = values
	for _, k := range secrets {
		src.Secret[k] = true
	}
	return src, nil
}

// fileSource fills everything but Values from the stack file and project.
func (s *StackFile) fileSource() Source {
	src := Source{
		File:        s.Rel,
		Stack:       s.Name,
		Secret:      map[string]bool{},
		FileKeys:    map[string]bool{},
		PlainInFile: map[string]bool{},
		Declared:    map[string]workspace.ProjectConfigType{},
	}
	for name, decl := range s.Project.Config {
		if !strings.Contains(name, ":") {
			src.Declared[name] = decl
		} else if ns, n, ok := strings.Cut(name, ":"); ok && ns == Namespace {
			src.Declared[n] = decl
		}
	}
	for k, v := range s.Stack.Config {
		src.FileKeys[k.String()] = true
		if !v.Secure() && !hasSecureLeaf(v) {
			src.PlainInFile[k.String()] = true
		}
	}
	return src
}

// hasSecureLeaf reports whether an object value holds a secure value somewhere inside.
func hasSecureLeaf(v config.Value) bool {
	if !v.Object() {
		return false
	}
	raw, err := v.Value(config.NopDecrypter)
	return err == nil && strings.Contains(raw, `"secure"`)
}

func defaultString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case bool, int, int64, float64:
		return fmt.Sprint(t), nil
	default:
		b, err := jsonMarshal(t)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}
