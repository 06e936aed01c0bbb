// Package build turns the function module (function/) into the package each platform runs:
// a Lambda zip holding a static `bootstrap`, an Azure Functions custom-handler zip, or a
// Cloud Functions gen2 source archive. Archives are deterministic (fixed times and modes,
// sorted entries), so the same source gives the same bytes and hash, and a deploy tool only
// updates the function when its code changed.
package build

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// Platform names accepted in Target.Platform.
const (
	Lambda = "lambda"
	Azure  = "azure"
	GCP    = "gcp"
)

// Target names what to build.
type Target struct {
	Platform string // "lambda" | "azure" | "gcp"
	Arch     string // "arm64" | "amd64" (gcp and azure: amd64 only); empty = platform default
}

func (t Target) String() string { return t.Platform + "/" + t.Arch }

// Artifact is a built, zipped package on disk.
type Artifact struct {
	Target       Target
	Path         string // deterministic zip on disk
	SHA256       string // hex sha256 of the zip bytes
	Base64SHA256 string // base64 sha256 (Lambda sourceCodeHash)
	Size         int64
	Handler      string // "bootstrap" for lambda, "Connector" entry point for gcp, "handler" executable for azure
}

// Options say where the source is and where the archive goes.
type Options struct {
	RepoRoot string // directory holding go.mod and function/go.mod; "" = search upwards from the working directory
	OutDir   string // where zips are written; "" = <user cache dir>/ai-agent-connector/build
}

// Names inside the packages; the infra components refer to them.
const (
	LambdaHandler  = "bootstrap" // provided.al2023 runs the file named bootstrap
	AzureHandler   = "handler"   // host.json customHandler.description.defaultExecutablePath
	AzureFunction  = "connector" // folder of function.json = the Azure function's name
	GCPEntryPoint  = "Connector" // name registered with functions-framework-go in function/gcp.go
	FunctionModule = "github.com/ai-agent-connector/ai-agent-connector/function"
)

// Main packages of the function module, relative to function/.
const (
	LambdaPackage = "./cmd/lambda"
	AzurePackage  = "./cmd/azure"
	// DBRolePackage is the AWS role provisioner, a Lambda of its own, invoked once per
	// deploy (infra/aws/provisioner.go); the connector's artifact does not contain it.
	DBRolePackage = "./cmd/dbrole"
)

// BuildDBRole builds the role provisioner for Lambda exactly like the connector (same
// flags, tags and reproducible zip) into OutDir/lambda-dbrole-<arch>.zip.
func BuildDBRole(ctx context.Context, arch string, o Options) (Artifact, error) {
	return BuildLambdaPackage(ctx, DBRolePackage, arch, "lambda-dbrole-"+arch, o)
}

// Normalize fills the default arch and checks the target; the error names the value and
// what is allowed.
func (t Target) Normalize() (Target, error) {
	switch t.Platform {
	case Lambda:
		if t.Arch == "" {
			t.Arch = "arm64"
		}
		if t.Arch != "arm64" && t.Arch != "amd64" {
			return t, fmt.Errorf("build target %s: arch %q is not supported for lambda (allowed: arm64, amd64)", t, t.Arch)
		}
	case Azure, GCP:
		if t.Arch == "" {
			t.Arch = "amd64"
		}
		if t.Arch != "amd64" {
			return t, fmt.Errorf("build target %s: arch %q is not supported for %s (allowed: amd64)", t, t.Arch, t.Platform)
		}
	default:
		return t, fmt.Errorf("build target %s: platform %q is unknown (allowed: lambda, azure, gcp)", t, t.Platform)
	}
	return t, nil
}

// Build builds the target from the repo's function/ module and writes a deterministic zip.
// Same source => byte-identical zip. gcp: a source archive of the function module, checked
// with a local `go build` for linux/amd64 first so a broken build fails before any upload.
func Build(ctx context.Context, t Target, o Options) (Artifact, error) {
	t, err := t.Normalize()
	if err != nil {
		return Artifact{}, err
	}
	root, outDir, err := o.resolve()
	if err != nil {
		return Artifact{}, err
	}
	var files []File
	var handler string
	switch t.Platform {
	case Lambda:
		handler = LambdaHandler
		files, err = lambdaFiles(ctx, root, LambdaPackage, t.Arch)
	case Azure:
		handler = AzureHandler
		files, err = azureFiles(ctx, root)
	case GCP:
		handler = GCPEntryPoint
		files, err = gcpFiles(ctx, root)
	}
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", t, err)
	}
	a, err := writeArtifact(filepath.Join(outDir, t.Platform+"-"+t.Arch+".zip"), files)
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", t, err)
	}
	a.Target, a.Handler = t, handler
	return a, nil
}

// BuildLambdaPackage builds any main package of the function module (e.g. the hello world
// baseline "./internal/hello") exactly like the Lambda artifact and zips it as `bootstrap`
// into OutDir/name.zip. It exists so baselines are built with the same flags.
func BuildLambdaPackage(ctx context.Context, pkg, arch, name string, o Options) (Artifact, error) {
	t, err := Target{Platform: Lambda, Arch: arch}.Normalize()
	if err != nil {
		return Artifact{}, err
	}
	root, outDir, err := o.resolve()
	if err != nil {
		return Artifact{}, err
	}
	files, err := lambdaFiles(ctx, root, pkg, t.Arch)
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s for %s: %w", pkg, t, err)
	}
	a, err := writeArtifact(filepath.Join(outDir, name+".zip"), files)
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s for %s: %w", pkg, t, err)
	}
	a.Target, a.Handler = t, LambdaHandler
	return a, nil
}

func (o Options) resolve() (root, outDir string, err error) {
	root = o.RepoRoot
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", "", fmt.Errorf("find repo root: %w", err)
		}
		if root, err = FindRepoRoot(wd); err != nil {
			return "", "", err
		}
	}
	if _, err := os.Stat(filepath.Join(root, "function", "go.mod")); err != nil {
		return "", "", fmt.Errorf("repo root %s: no function/go.mod: %w", root, err)
	}
	outDir = o.OutDir
	if outDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		outDir = filepath.Join(base, "ai-agent-connector", "build")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", "", fmt.Errorf("create output dir: %w", err)
	}
	return root, outDir, nil
}

// FindRepoRoot walks up from dir to the first directory holding both go.mod and function/go.mod.
func FindRepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if isFile(filepath.Join(d, "go.mod")) && isFile(filepath.Join(d, "function", "go.mod")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find repo root: no directory above %s holds go.mod and function/go.mod", dir)
		}
	}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// HostArch is the Lambda arch that runs natively here (for local emulation).
func HostArch() string { return runtime.GOARCH }

func writeArtifact(path string, files []File) (Artifact, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.zip")
	if err != nil {
		return Artifact{}, fmt.Errorf("create zip: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	h := sha256.New()
	n := &countWriter{}
	if err := WriteZip(io.MultiWriter(tmp, h, n), files); err != nil {
		tmp.Close()
		return Artifact{}, err
	}
	if err := tmp.Close(); err != nil {
		return Artifact{}, fmt.Errorf("write zip: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return Artifact{}, fmt.Errorf("write zip: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return Artifact{}, fmt.Errorf("write zip: %w", err)
	}
	sum := h.Sum(nil)
	return Artifact{
		Path:         path,
		SHA256:       hex.EncodeToString(sum),
		Base64SHA256: base64.StdEncoding.EncodeToString(sum),
		Size:         n.n,
	}, nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// sortedUnique sorts names and rejects duplicates (two files at one path would make the
// archive ambiguous).
func sortFiles(files []File) error {
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(files); i++ {
		if files[i].Name == files[i-1].Name {
			return errors.New("duplicate archive entry " + files[i].Name)
		}
	}
	return nil
}
