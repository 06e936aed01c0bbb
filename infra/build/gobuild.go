package build

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// LambdaTags drops aws-lambda-go's legacy net/rpc path (go1.x runtime only); provided.al2023
// speaks the Runtime API over HTTP, so rpc would only cost size and init time.
var LambdaTags = []string{"lambda.norpc"}

// Binary is one `go build` of a main package of the function module.
type Binary struct {
	Package string // relative to function/, e.g. "./cmd/lambda"
	GOOS    string
	GOARCH  string
	Tags    []string
	Output  string // file to write
}

// GoBuild builds b with the release flags every artifact uses: static (CGO_ENABLED=0),
// -trimpath, stripped, an empty build id and no VCS stamp, so the output depends only on
// the source and the toolchain. GOFLAGS and go.work from the caller's environment are
// ignored for the same reason.
func GoBuild(ctx context.Context, repoRoot string, b Binary) error {
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}
	if len(b.Tags) > 0 {
		args = append(args, "-tags", strings.Join(b.Tags, ","))
	}
	args = append(args, "-o", b.Output, b.Package)
	if _, err := goCmd(ctx, filepath.Join(repoRoot, "function"), b.GOOS, b.GOARCH, args...); err != nil {
		return err
	}
	return nil
}

// goCmd runs the go command in dir for GOOS/GOARCH with cgo off and returns stdout.
func goCmd(ctx context.Context, dir, goos, goarch string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goBin(), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s (in %s, GOOS=%s GOARCH=%s): %w\n%s", strings.Join(args, " "), dir, goos, goarch, err, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// goBin prefers the toolchain running this program (GOROOT/bin/go), so tests and the Pulumi
// program build with the same go they were built with.
func goBin() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); isFile(p) {
			return p
		}
	}
	return "go"
}

// ListedPackage is the part of `go list -json` output this package reads.
type ListedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *struct{ Path string }
	GoFiles    []string
	CgoFiles   []string
	SFiles     []string
	HFiles     []string
	EmbedFiles []string
}

// ListDeps returns the packages pkg links (itself included) for goos/goarch and tags, as
// `go list -deps` sees them from the function module.
func ListDeps(ctx context.Context, repoRoot, pkg, goos, goarch string, tags []string) ([]ListedPackage, error) {
	args := []string{"list", "-deps", "-json=ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,SFiles,HFiles,EmbedFiles"}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	args = append(args, pkg)
	out, err := goCmd(ctx, filepath.Join(repoRoot, "function"), goos, goarch, args...)
	if err != nil {
		return nil, err
	}
	var pkgs []ListedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p ListedPackage
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("decode go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}
