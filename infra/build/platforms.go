package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

func lambdaFiles(ctx context.Context, root, pkg, arch string) ([]File, error) {
	dir, err := os.MkdirTemp("", "aac-build-*")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, LambdaHandler)
	if err := GoBuild(ctx, root, Binary{Package: pkg, GOOS: "linux", GOARCH: arch, Tags: LambdaTags, Output: out}); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", out, err)
	}
	return []File{{Name: LambdaHandler, Mode: 0o755, Data: data}}, nil
}

// hostJSON configures the Functions host to start our executable and forward each HTTP
// request unchanged to it (enableForwardingHttpRequest), so the handler sees the original
// path, method, headers and body. routePrefix "" drops the default "/api" prefix so the
// paths match the other platforms (/health, /v1/query).
const hostJSON = `{
  "version": "2.0",
  "extensionBundle": {
    "id": "Microsoft.Azure.Functions.ExtensionBundle",
    "version": "[4.*, 5.0.0)"
  },
  "customHandler": {
    "description": {
      "defaultExecutablePath": "` + AzureHandler + `",
      "workingDirectory": "",
      "arguments": []
    },
    "enableForwardingHttpRequest": true
  },
  "extensions": {
    "http": {
      "routePrefix": ""
    }
  }
}
`

// functionJSON is one anonymous HTTP trigger catching every path and method; the handler
// does its own bearer-key auth, and /health must be reachable without a key.
const functionJSON = `{
  "bindings": [
    {
      "type": "httpTrigger",
      "direction": "in",
      "name": "req",
      "authLevel": "anonymous",
      "methods": ["get", "post", "put", "patch", "delete", "head", "options"],
      "route": "{*path}"
    },
    {
      "type": "http",
      "direction": "out",
      "name": "$return"
    }
  ]
}
`

func azureFiles(ctx context.Context, root string) ([]File, error) {
	dir, err := os.MkdirTemp("", "aac-build-*")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, AzureHandler)
	if err := GoBuild(ctx, root, Binary{Package: AzurePackage, GOOS: "linux", GOARCH: "amd64", Output: out}); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", out, err)
	}
	return []File{
		{Name: AzureHandler, Mode: 0o755, Data: data},
		{Name: "host.json", Mode: 0o644, Data: []byte(hostJSON)},
		{Name: AzureFunction + "/function.json", Mode: 0o644, Data: []byte(functionJSON)},
	}, nil
}

// gcpFiles collects the source Cloud Functions builds remotely: go.mod, go.sum and the
// non-test source files of the function module's packages that the root package links
// for linux/amd64. cmd/lambda, cmd/azure and tests are left out, so the upload stays small
// and the remote build compiles only what the GCP entry point uses. A local `go build` of
// the root package first makes a broken build fail at preview, not in the cloud.
func gcpFiles(ctx context.Context, root string) ([]File, error) {
	if _, err := goCmd(ctx, filepath.Join(root, "function"), "linux", "amd64", "build", "-o", os.DevNull, "."); err != nil {
		return nil, fmt.Errorf("check the gcp package compiles: %w", err)
	}
	pkgs, err := ListDeps(ctx, root, ".", "linux", "amd64", nil)
	if err != nil {
		return nil, err
	}
	modDir := filepath.Join(root, "function")
	files := []File{
		{Name: "go.mod", Mode: 0o644, Src: filepath.Join(modDir, "go.mod")},
		{Name: "go.sum", Mode: 0o644, Src: filepath.Join(modDir, "go.sum")},
	}
	for _, p := range pkgs {
		if p.Standard || p.Module == nil || p.Module.Path != FunctionModule {
			continue
		}
		rel, err := filepath.Rel(modDir, p.Dir)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", p.ImportPath, err)
		}
		names := slices.Concat(p.GoFiles, p.CgoFiles, p.SFiles, p.HFiles, p.EmbedFiles)
		for _, n := range names {
			files = append(files, File{
				Name: filepath.ToSlash(filepath.Join(rel, n)),
				Mode: 0o644,
				Src:  filepath.Join(p.Dir, n),
			})
		}
	}
	if !isFile(filepath.Join(modDir, "go.sum")) {
		return nil, fmt.Errorf("function/go.sum is missing: run `go mod tidy` in function/")
	}
	return files, nil
}
