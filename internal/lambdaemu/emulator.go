// Package lambdaemu runs a Lambda bootstrap under the real AWS Lambda Runtime Interface
// Emulator (RIE, pinned as a Go tool in the root go.mod), optionally through qemu-user for
// another architecture, and reads the emulator's logs for its INIT REPORT lines. Bridge (in
// bridge.go) puts a plain HTTP server in front of it that speaks Function URL events.
//
// The RIE initializes the function lazily, on the first invoke, exactly like a cold start:
// a fresh Emulator is a fresh execution environment.
package lambdaemu

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// InvokePath is the RIE's invoke endpoint (the Lambda Invoke API path).
const InvokePath = "/2015-03-31/functions/function/invocations"

// Options configure one emulated execution environment.
type Options struct {
	Bootstrap string    // path of the bootstrap executable (unpacked from the artifact zip)
	Arch      string    // "arm64" | "amd64"; "" = host. Another arch runs through qemu-user.
	Env       []string  // the function's environment (KEY=VALUE), on top of a minimal base
	RIE       string    // path of the aws-lambda-rie binary; "" = RIEPath(RepoRoot)
	RepoRoot  string    // root module dir, to resolve `go tool aws-lambda-rie`; "" = working dir
	Timeout   int       // function timeout in seconds (AWS_LAMBDA_FUNCTION_TIMEOUT); 0 = 30
	MemoryMB  int       // reported memory size; 0 = 128 (does not limit anything locally)
	Log       io.Writer // if set, receives every log line of the RIE and the function
}

// Emulator is one running RIE with its function process.
type Emulator struct {
	Addr      string // host:port of the RIE's invoke API
	InvokeURL string

	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	client  *http.Client
	mu      sync.Mutex // the RIE serves one invoke at a time, like one Lambda environment

	logMu   sync.Mutex
	logs    []string
	inits   []time.Duration
	initsCh chan struct{} // closed and replaced whenever an INIT REPORT arrives
	logWG   sync.WaitGroup
}

// initReport matches the emulator's init line, "INIT REPORT(durationMs: 3.781000)" in this
// build ("INIT REPORT (durationMs: ...)" elsewhere). The REPORT line's "Init Duration" is
// not used: this RIE build measures only its own bookkeeping there (0.0x ms).
var initReport = regexp.MustCompile(`INIT REPORT ?\(durationMs: ([0-9.]+)\)`)

// ParseInitReport returns the init duration of an INIT REPORT log line.
func ParseInitReport(line string) (time.Duration, bool) {
	m := initReport.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}

// RIEPath builds (or finds in the build cache) the pinned emulator with `go tool -n` and
// returns the binary's path, so the emulator runs as a direct child we can signal.
func RIEPath(ctx context.Context, repoRoot string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "tool", "-n", "aws-lambda-rie")
	cmd.Dir = repoRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build the Lambda Runtime Interface Emulator (go tool aws-lambda-rie in %s): %w\n%s", repoRoot, err, stderr.Bytes())
	}
	p := strings.TrimSpace(string(out))
	if p == "" {
		return "", errors.New("go tool -n aws-lambda-rie printed no path")
	}
	return p, nil
}

// QemuFor returns the qemu-user binary that runs arch on this host, or "" when arch is native.
func QemuFor(arch string) (string, error) {
	if arch == "" || arch == runtime.GOARCH {
		return "", nil
	}
	// Debian's qemu-user-static ships the -static names; qemu-user the plain ones.
	names := map[string][]string{"arm64": {"qemu-aarch64-static", "qemu-aarch64"}, "amd64": {"qemu-x86_64-static", "qemu-x86_64"}}
	cands, ok := names[arch]
	if !ok {
		return "", fmt.Errorf("arch %q: no emulator known (allowed: arm64, amd64)", arch)
	}
	for _, name := range cands {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		if p := filepath.Join("/usr/bin", name); fileExists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("running a %s bootstrap on %s needs %s: apt-get install qemu-user-static", arch, runtime.GOARCH, cands[0])
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Start launches the RIE with the bootstrap and waits until its invoke API accepts
// connections. The function itself starts on the first Invoke (a cold start).
func Start(ctx context.Context, o Options) (*Emulator, error) {
	if o.Bootstrap == "" {
		return nil, errors.New("lambdaemu: Options.Bootstrap is empty")
	}
	boot, err := filepath.Abs(o.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("bootstrap path: %w", err)
	}
	if !fileExists(boot) {
		return nil, fmt.Errorf("bootstrap %s does not exist", boot)
	}
	rie := o.RIE
	if rie == "" {
		root := o.RepoRoot
		if root == "" {
			root = "."
		}
		if rie, err = RIEPath(ctx, root); err != nil {
			return nil, err
		}
	}
	qemu, err := QemuFor(o.Arch)
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	apiAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	args := []string{
		"--log-level", "info", // INIT REPORT is an info line; never let the function's LOG_LEVEL hide it
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", apiAddr,
	}
	if qemu != "" {
		// The RIE takes a trailing extra argument as the handler name (_HANDLER); harmless here.
		args = append(args, qemu, boot)
	} else {
		args = append(args, boot)
	}
	timeout, mem := o.Timeout, o.MemoryMB
	if timeout <= 0 {
		timeout = 30
	}
	if mem <= 0 {
		mem = 128
	}
	cmd := exec.Command(rie, args...)
	cmd.Dir = filepath.Dir(boot) // /var/task in Lambda: the unpacked package
	// The RIE passes its whole environment to the function, so give it what a Lambda
	// environment has, not the developer's shell.
	cmd.Env = append([]string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"TZ=UTC",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_LAMBDA_FUNCTION_NAME=ai-agent-connector",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(timeout),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(mem),
		"LAMBDA_TASK_ROOT=" + filepath.Dir(boot),
	}, o.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // Stop kills the RIE and the function process together
		Pdeathsig: syscall.SIGKILL, // and the RIE dies with us if we are killed
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("rie stdout: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("rie stderr: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", rie, err)
	}
	e := &Emulator{
		Addr:      addr,
		InvokeURL: "http://" + addr + InvokePath,
		cmd:       cmd,
		done:      make(chan struct{}),
		client:    &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}},
		initsCh:   make(chan struct{}),
	}
	e.logWG.Add(2)
	go e.readLogs(stdout, o.Log)
	go e.readLogs(stderr, o.Log)
	go func() {
		e.logWG.Wait() // read all output before Wait closes the pipes
		e.waitErr = cmd.Wait()
		close(e.done)
	}()
	if err := e.waitReady(ctx); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (e *Emulator) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", e.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-e.done:
			return fmt.Errorf("the emulator exited before listening (%v); last log lines:\n%s", e.waitErr, strings.Join(e.Logs(20), "\n"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the emulator did not listen on %s within 20s", e.Addr)
		}
	}
}

const keepLogLines = 2000

func (e *Emulator) readLogs(r io.Reader, tee io.Writer) {
	defer e.logWG.Done()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		e.logMu.Lock()
		if tee != nil {
			fmt.Fprintln(tee, line)
		}
		e.logs = append(e.logs, line)
		if len(e.logs) > keepLogLines {
			e.logs = e.logs[len(e.logs)-keepLogLines:]
		}
		if d, ok := ParseInitReport(line); ok {
			e.inits = append(e.inits, d)
			close(e.initsCh)
			e.initsCh = make(chan struct{})
		}
		e.logMu.Unlock()
	}
}

// Logs returns up to the last n log lines (n <= 0: all kept).
func (e *Emulator) Logs(n int) []string {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	l := e.logs
	if n > 0 && len(l) > n {
		l = l[len(l)-n:]
	}
	return append([]string(nil), l...)
}

// InitReports returns the init durations reported so far (one per init of this environment).
func (e *Emulator) InitReports() []time.Duration {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	return append([]time.Duration(nil), e.inits...)
}

// WaitInitReport waits until at least n INIT REPORT lines were logged and returns the nth.
// The RIE logs it during the first invoke; the log reader may see it a moment later.
func (e *Emulator) WaitInitReport(ctx context.Context, n int) (time.Duration, error) {
	for {
		e.logMu.Lock()
		if len(e.inits) >= n {
			d := e.inits[n-1]
			e.logMu.Unlock()
			return d, nil
		}
		ch := e.initsCh
		e.logMu.Unlock()
		select {
		case <-ch:
		case <-e.done:
			return 0, fmt.Errorf("the emulator exited before INIT REPORT %d", n)
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for INIT REPORT %d: %w", n, ctx.Err())
		}
	}
}

// InvokeResult is the RIE's answer to one invoke.
type InvokeResult struct {
	Status int // HTTP status of the RIE's invoke API (200 when the function answered)
	Header http.Header
	Body   []byte // the function's response payload
}

// Invoke sends one event and waits for the answer. Calls are serialized: one Lambda
// environment handles one invoke at a time (the RIE rejects a second one).
func (e *Emulator) Invoke(ctx context.Context, event []byte) (InvokeResult, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.InvokeURL, bytes.NewReader(event))
	if err != nil {
		return InvokeResult{}, fmt.Errorf("invoke: %w", err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return InvokeResult{}, fmt.Errorf("invoke %s: %w", e.InvokeURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return InvokeResult{}, fmt.Errorf("read invoke response: %w", err)
	}
	return InvokeResult{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// Done is closed when the emulator process has exited.
func (e *Emulator) Done() <-chan struct{} { return e.done }

// Stop ends the RIE and the function process (the whole process group) and waits for them.
// The RIE reacts to SIGTERM by killing its runtime; SIGKILL to the group follows if it
// does not exit in time. Safe to call twice.
func (e *Emulator) Stop() error {
	if e == nil || e.cmd == nil || e.cmd.Process == nil {
		return nil
	}
	pid := e.cmd.Process.Pid
	// The RIE starts the function in a process group of its own, so remember the
	// descendants now and make sure none outlives the emulator.
	kids := Descendants(pid)
	select {
	case <-e.done:
	default:
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-e.done:
		case <-time.After(3 * time.Second):
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	for _, k := range kids {
		_ = syscall.Kill(-k, syscall.SIGKILL) // its group (the RIE's runtime is a group leader)
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	<-e.done
	e.client.CloseIdleConnections()
	return nil
}

// Descendants lists the pids below pid, from /proc (Linux only, like the RIE itself).
func Descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	for _, en := range entries {
		p, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", en.Name(), "stat"))
		if err != nil {
			continue
		}
		// Field 4 is the ppid; field 2 (comm) is in parentheses and may hold spaces.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		parent[p] = pp
	}
	var out []int
	frontier := []int{pid}
	for len(frontier) > 0 {
		cur := frontier[0]
		frontier = frontier[1:]
		for p, pp := range parent {
			if pp == cur {
				out = append(out, p)
				frontier = append(frontier, p)
			}
		}
	}
	return out
}
