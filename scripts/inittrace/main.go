// Command inittrace shows what each linked package costs at process start: it runs a built
// artifact with GODEBUG=inittrace=1 (the Go runtime then prints one line per package init,
// before main) and lists the packages by init time and allocations.
//
// Usage:
//
//	go run ./scripts/inittrace [--target lambda|azure|hello] [--arch amd64|arm64] [--runs 5] [--top 25] [--sort clock|bytes|allocs] [--json]
//	go run ./scripts/inittrace --bin path/to/binary
//
// The artifact is built exactly as deployed (infra/build) and unpacked. Its main then fails
// fast outside its platform (no Runtime API, no FUNCTIONS_CUSTOMHANDLER_PORT), which is
// fine: every package init has run by then. Clock times are medians over --runs runs;
// bytes and allocations are the same every run. --arch other than the host's runs under
// qemu-user (times then mean little, allocations still do).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/cli"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
)

// Init is one package's init as the runtime reports it.
type Init struct {
	Package string  `json:"package"`
	StartMS float64 `json:"start_ms"` // since process start
	ClockMS float64 `json:"clock_ms"`
	Bytes   int64   `json:"bytes"`
	Allocs  int64   `json:"allocs"`
}

// "init internal/godebug @0.92 ms, 0.10 ms clock, 312 bytes, 7 allocs"
var traceLine = regexp.MustCompile(`^init (\S+) @([0-9.]+) ms, ([0-9.]+) ms clock, (\d+) bytes, (\d+) allocs$`)

// Parse reads GODEBUG=inittrace=1 output; other lines (the program's own) are skipped.
func Parse(r io.Reader) ([]Init, error) {
	var out []Init
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		m := traceLine.FindSubmatch(bytes.TrimSpace(line))
		if m == nil {
			continue
		}
		start, _ := strconv.ParseFloat(string(m[2]), 64)
		clock, _ := strconv.ParseFloat(string(m[3]), 64)
		b, _ := strconv.ParseInt(string(m[4]), 10, 64)
		a, _ := strconv.ParseInt(string(m[5]), 10, 64)
		out = append(out, Init{Package: string(m[1]), StartMS: start, ClockMS: clock, Bytes: b, Allocs: a})
	}
	return out, nil
}

// Merge combines runs: median clock per package, allocations from the first run.
func Merge(runs [][]Init) []Init {
	if len(runs) == 0 {
		return nil
	}
	clocks := map[string][]float64{}
	for _, r := range runs {
		for _, i := range r {
			clocks[i.Package] = append(clocks[i.Package], i.ClockMS)
		}
	}
	out := slices.Clone(runs[0])
	for k := range out {
		c := clocks[out[k].Package]
		slices.Sort(c)
		out[k].ClockMS = c[len(c)/2]
	}
	return out
}

// Sort orders by the key, largest first (ties by package name).
func Sort(inits []Init, key string) error {
	val := map[string]func(Init) float64{
		"clock":  func(i Init) float64 { return i.ClockMS },
		"bytes":  func(i Init) float64 { return float64(i.Bytes) },
		"allocs": func(i Init) float64 { return float64(i.Allocs) },
	}[key]
	if val == nil {
		return fmt.Errorf("--sort %q: allowed values are clock, bytes, allocs", key)
	}
	slices.SortStableFunc(inits, func(a, b Init) int {
		if d := val(b) - val(a); d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		if a.Package < b.Package {
			return -1
		}
		return 1
	})
	return nil
}

const usage = `Usage: go run ./scripts/inittrace [--target lambda|azure|hello] [--arch amd64|arm64] [--runs 5] [--top 25] [--sort clock|bytes|allocs] [--json]
       go run ./scripts/inittrace --bin path/to/binary

Runs a built artifact (built and unpacked as deployed) with GODEBUG=inittrace=1 and lists
what each linked package's init costs: clock time (median over --runs), bytes, allocations.
`

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.FlagSet("inittrace", usage, stderr)
	target := fs.String("target", "lambda", "artifact to build and trace: lambda, azure or hello (the aws-lambda-go hello world)")
	arch := fs.String("arch", build.HostArch(), "arch (lambda and hello): amd64 or arm64; another than the host's runs under qemu-user")
	bin := fs.String("bin", "", "trace this binary instead of building one")
	runs := fs.Int("runs", 5, "runs; clock times are medians")
	top := fs.Int("top", 25, "list this many packages (0 = all)")
	sortBy := fs.String("sort", "clock", "order by clock, bytes or allocs")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	if err := report(ctx, stdout, *target, *arch, *bin, *runs, *top, *sortBy, *asJSON); err != nil {
		return cli.Fail(stderr, "inittrace", err)
	}
	return cli.OK
}

func report(ctx context.Context, stdout io.Writer, target, arch, bin string, runs, top int, sortBy string, asJSON bool) error {
	if runs < 1 {
		return errors.New("--runs must be at least 1")
	}
	if bin == "" {
		work, err := os.MkdirTemp("", "aac-inittrace-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(work)
		if bin, err = buildTarget(ctx, target, arch, work); err != nil {
			return err
		}
	}
	qemu, err := lambdaemu.QemuFor(arch)
	if err != nil {
		return err
	}
	var all [][]Init
	for range runs {
		inits, err := trace(ctx, bin, qemu)
		if err != nil {
			return err
		}
		all = append(all, inits)
	}
	inits := Merge(all)
	var total Init
	for _, i := range inits {
		total.ClockMS += i.ClockMS
		total.Bytes += i.Bytes
		total.Allocs += i.Allocs
	}
	if err := Sort(inits, sortBy); err != nil {
		return err
	}
	shown := inits
	if top > 0 && len(shown) > top {
		shown = shown[:top]
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"binary": bin, "packages": len(inits), "total_clock_ms": total.ClockMS,
			"total_bytes": total.Bytes, "total_allocs": total.Allocs, "inits": shown})
	}
	fmt.Fprintf(stdout, "%s: %d package inits, %.3f ms clock in total (median of %d runs), %d bytes in %d allocations\n\n",
		filepath.Base(bin), len(inits), total.ClockMS, runs, total.Bytes, total.Allocs)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "package\tclock ms\tbytes\tallocs\tstarts at ms")
	for _, i := range shown {
		fmt.Fprintf(tw, "%s\t%.3f\t%d\t%d\t%.2f\n", i.Package, i.ClockMS, i.Bytes, i.Allocs, i.StartMS)
	}
	return tw.Flush()
}

func buildTarget(ctx context.Context, target, arch, work string) (string, error) {
	o := build.Options{OutDir: work}
	var a build.Artifact
	var err error
	name := build.LambdaHandler
	switch target {
	case "lambda":
		a, err = build.Build(ctx, build.Target{Platform: build.Lambda, Arch: arch}, o)
	case "azure":
		a, err = build.Build(ctx, build.Target{Platform: build.Azure}, o)
		name = build.AzureHandler
	case "hello":
		a, err = build.BuildLambdaPackage(ctx, "./internal/hello", arch, "hello", o)
	default:
		return "", fmt.Errorf("--target %q: allowed values are lambda, azure, hello (gcp is built remotely from source)", target)
	}
	if err != nil {
		return "", err
	}
	dir := filepath.Join(work, "pkg")
	if _, err := build.Extract(a.Path, dir); err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// trace runs bin once with inittrace on and a clean environment; the program is expected
// to exit on its own (its platform is missing) and is killed after 10 s if it does not.
func trace(ctx context.Context, bin, qemu string) ([]Init, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	name, args := bin, []string(nil)
	if qemu != "" {
		name, args = qemu, []string{bin}
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = []string{"GODEBUG=inittrace=1", "PATH=/usr/bin:/bin"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run() // a non-zero exit is expected outside the platform
	inits, err := Parse(&stderr)
	if err != nil {
		return nil, err
	}
	if len(inits) == 0 {
		return nil, fmt.Errorf("%s printed no init trace:\n%s", bin, stderr.String())
	}
	return inits, nil
}
