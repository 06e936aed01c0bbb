// Package dbrole gets, for scripts/dbrole, the psql form of the idempotent SQL that
// makes the function's database role read-only. The SQL is written once, in the
// function module's function/dbrole, which the AWS provisioner Lambda
// (function/cmd/dbrole) runs at deploy; this module does not require the function
// module (its dependencies stay out of the deployed binary's go.mod and the other
// way round), so Script asks that command for it, the way internal/localpg builds
// function/internal/pgtestd: `go run ./cmd/dbrole -psql` in function/, the spec as
// JSON on stdin.
package dbrole

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Spec is what the role may do; the fields and their meaning are function/dbrole.Spec's.
type Spec struct {
	Database string   `json:"database"`
	Role     string   `json:"role"`
	Schemas  []string `json:"schemas"`
	// SetPassword sets the role's password from the psql variable role_password
	// (`psql -v role_password=...` or a PsqlSet line before the script).
	SetPassword bool   `json:"setPassword"`
	WorkMem     string `json:"workMem"`
}

// Script returns the psql script (one transaction, ON_ERROR_STOP) for s, generated
// by the function module under root (the directory holding function/go.mod).
func Script(ctx context.Context, root string, s Spec) (string, error) {
	in, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/dbrole", "-psql")
	cmd.Dir = filepath.Join(root, "function")
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("dbrole: generate the SQL (go run ./cmd/dbrole -psql in %s): %w: %s", cmd.Dir, err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}

// PsqlSet is the psql meta-command that sets variable name to value (for stdin).
func PsqlSet(name, value string) string {
	return `\set ` + name + ` '` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + "'\n"
}
