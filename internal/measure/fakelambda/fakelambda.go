// Package fakelambda serves the part of the AWS Lambda HTTP API that the measuring tools
// call (GetFunctionConfiguration, GetFunction, UpdateFunctionConfiguration,
// UpdateFunctionCode, Invoke with LogType Tail) over ONE real function running under the
// AWS Lambda Runtime Interface Emulator (internal/lambdaemu). aws-sdk-go-v2 talks to it
// through its endpoint override, so the tools are tested end to end without a cloud.
//
// Every configuration or code update retires the emulated execution environment, as Lambda
// does, so the next invoke is a real cold start of the real bootstrap.
package fakelambda

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
)

// Options describe the fake function.
type Options struct {
	Name     string            // function name (default "ai-agent-connector")
	Zip      []byte            // the deployment package (a zip holding bootstrap)
	Arch     string            // "arm64" | "amd64" (default: host); another arch runs under qemu-user
	MemoryMB int               // default 128
	Timeout  int               // seconds, default 30
	Env      map[string]string // the function's environment variables
	RepoRoot string            // root module, to find `go tool aws-lambda-rie`
	RIE      string            // emulator binary ("" = resolved from RepoRoot once)
	// PendingPolls is how many GetFunctionConfiguration calls after an update still report
	// LastUpdateStatus InProgress (default 1), so clients must really wait.
	PendingPolls int
	Log          io.Writer // copy of every emulator and function log line
}

// Server is the fake Lambda API. Close it to stop the emulator.
type Server struct {
	mu       sync.Mutex // one invoke or update at a time: a single execution environment
	o        Options
	workDir  string
	codeGen  int
	boot     string
	sha      string
	size     int64
	modified time.Time
	pending  int
	emu      *lambdaemu.Emulator
	logs     *lineLog
	served   int // invokes served by the current environment
	updates  int
}

// New unpacks the package and prepares the function; the emulator starts on the first invoke.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Name == "" {
		o.Name = "ai-agent-connector"
	}
	if o.Arch == "" {
		o.Arch = build.HostArch()
	}
	if o.MemoryMB == 0 {
		o.MemoryMB = 128
	}
	if o.Timeout == 0 {
		o.Timeout = 30
	}
	if o.PendingPolls == 0 {
		o.PendingPolls = 1
	}
	if o.Env == nil {
		o.Env = map[string]string{}
	}
	if o.RIE == "" {
		root := o.RepoRoot
		if root == "" {
			root = "."
		}
		p, err := lambdaemu.RIEPath(ctx, root)
		if err != nil {
			return nil, err
		}
		o.RIE = p
	}
	dir, err := os.MkdirTemp("", "fakelambda-*")
	if err != nil {
		return nil, fmt.Errorf("fakelambda: %w", err)
	}
	s := &Server{o: o, workDir: dir, logs: newLineLog(o.Log)}
	if err := s.setCode(o.Zip); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Close stops the emulator and removes the unpacked code.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retire()
	os.RemoveAll(s.workDir)
}

// Updates counts configuration and code updates (each retired the environment).
func (s *Server) Updates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updates
}

// Env returns a copy of the function's current environment.
func (s *Server) Env() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.o.Env))
	for k, v := range s.o.Env {
		out[k] = v
	}
	return out
}

// Arch returns the function's architecture ("arm64" | "amd64").
func (s *Server) Arch() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.o.Arch
}

// CodeSha256 returns the base64 SHA-256 of the current package, as Lambda reports it.
func (s *Server) CodeSha256() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sha
}

// MemoryMB returns the configured memory size.
func (s *Server) MemoryMB() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.o.MemoryMB
}

func (s *Server) setCode(zip []byte) error {
	if len(zip) == 0 {
		return fmt.Errorf("fakelambda: empty deployment package")
	}
	s.codeGen++
	zp := filepath.Join(s.workDir, fmt.Sprintf("code-%d.zip", s.codeGen))
	if err := os.WriteFile(zp, zip, 0o644); err != nil {
		return fmt.Errorf("fakelambda: %w", err)
	}
	dir := filepath.Join(s.workDir, fmt.Sprintf("task-%d", s.codeGen))
	if _, err := build.Extract(zp, dir); err != nil {
		return fmt.Errorf("fakelambda: unpack package: %w", err)
	}
	boot := filepath.Join(dir, build.LambdaHandler)
	if _, err := os.Stat(boot); err != nil {
		return fmt.Errorf("fakelambda: the package has no %s at its root", build.LambdaHandler)
	}
	sum := sha256.Sum256(zip)
	s.boot, s.sha, s.size, s.modified = boot, base64.StdEncoding.EncodeToString(sum[:]), int64(len(zip)), time.Now().UTC()
	return nil
}

// retire stops the current execution environment; the next invoke is a cold start.
func (s *Server) retire() {
	if s.emu != nil {
		s.emu.Stop()
		s.emu = nil
	}
	s.served = 0
}

func (s *Server) start(ctx context.Context) error {
	if s.emu != nil {
		select {
		case <-s.emu.Done():
			s.emu = nil // crashed: Lambda would start a new environment
			s.served = 0
		default:
			return nil
		}
	}
	env := make([]string, 0, len(s.o.Env))
	for k, v := range s.o.Env {
		env = append(env, k+"="+v)
	}
	e, err := lambdaemu.Start(ctx, lambdaemu.Options{Bootstrap: s.boot, Arch: s.o.Arch, Env: env, RIE: s.o.RIE,
		Timeout: s.o.Timeout, MemoryMB: s.o.MemoryMB, Log: s.logs})
	if err != nil {
		return err
	}
	s.emu = e
	return nil
}

var pathRE = regexp.MustCompile(`^/2015-03-31/functions/([^/]+)(/configuration|/invocations|/code)?/?$`)

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.EscapedPath())
	if m == nil {
		apiError(w, http.StatusNotFound, "UnknownOperationException", "fakelambda serves only GetFunction(Configuration), UpdateFunctionConfiguration, UpdateFunctionCode and Invoke: "+r.Method+" "+r.URL.Path)
		return
	}
	name, op := m[1], m[2]
	if !s.matches(name) {
		apiError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	if q := r.URL.Query().Get("Qualifier"); q != "" && q != "$LATEST" {
		// The tools invoke $LATEST on purpose: only it sees configuration updates.
		apiError(w, http.StatusNotFound, "ResourceNotFoundException", "fakelambda has only $LATEST, not qualifier "+q)
		return
	}
	switch {
	case op == "/configuration" && r.Method == http.MethodGet:
		s.getConfiguration(w, false)
	case op == "" && r.Method == http.MethodGet:
		s.getConfiguration(w, true)
	case op == "/configuration" && r.Method == http.MethodPut:
		s.updateConfiguration(w, r)
	case op == "/code" && r.Method == http.MethodPut:
		s.updateCode(w, r)
	case op == "/invocations" && r.Method == http.MethodPost:
		s.invoke(w, r)
	default:
		apiError(w, http.StatusMethodNotAllowed, "UnknownOperationException", r.Method+" "+r.URL.Path)
	}
}

func (s *Server) matches(name string) bool {
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	if name == s.o.Name {
		return true
	}
	// An ARN, maybe with a qualifier: arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
	parts := strings.Split(name, ":")
	return len(parts) >= 7 && parts[5] == "function" && parts[6] == s.o.Name
}

type functionConfiguration struct {
	FunctionName     string         `json:"FunctionName"`
	FunctionArn      string         `json:"FunctionArn"`
	Runtime          string         `json:"Runtime"`
	Handler          string         `json:"Handler"`
	MemorySize       int            `json:"MemorySize"`
	Timeout          int            `json:"Timeout"`
	Architectures    []string       `json:"Architectures"`
	CodeSha256       string         `json:"CodeSha256"`
	CodeSize         int64          `json:"CodeSize"`
	LastModified     string         `json:"LastModified"`
	Version          string         `json:"Version"`
	PackageType      string         `json:"PackageType"`
	State            string         `json:"State"`
	LastUpdateStatus string         `json:"LastUpdateStatus"`
	Environment      map[string]any `json:"Environment,omitempty"`
}

func (s *Server) config(status string) functionConfiguration {
	arch := "x86_64"
	if s.o.Arch == "arm64" {
		arch = "arm64"
	}
	return functionConfiguration{
		FunctionName: s.o.Name, FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:" + s.o.Name,
		Runtime: "provided.al2023", Handler: build.LambdaHandler, MemorySize: s.o.MemoryMB, Timeout: s.o.Timeout,
		Architectures: []string{arch}, CodeSha256: s.sha, CodeSize: s.size,
		LastModified: s.modified.Format("2006-01-02T15:04:05.000-0700"), Version: "$LATEST", PackageType: "Zip",
		State: "Active", LastUpdateStatus: status, Environment: map[string]any{"Variables": s.o.Env},
	}
}

func (s *Server) status() string {
	if s.pending > 0 {
		s.pending--
		return "InProgress"
	}
	return "Successful"
}

func (s *Server) getConfiguration(w http.ResponseWriter, wrap bool) {
	s.mu.Lock()
	c := s.config(s.status())
	s.mu.Unlock()
	if wrap {
		writeJSON(w, map[string]any{"Configuration": c})
		return
	}
	writeJSON(w, c)
}

func (s *Server) updateConfiguration(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MemorySize  *int `json:"MemorySize"`
		Timeout     *int `json:"Timeout"`
		Environment *struct {
			Variables map[string]string `json:"Variables"`
		} `json:"Environment"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		apiError(w, http.StatusBadRequest, "InvalidParameterValueException", "request body: "+err.Error())
		return
	}
	if in.MemorySize != nil && (*in.MemorySize < 128 || *in.MemorySize > 10240) {
		apiError(w, http.StatusBadRequest, "InvalidParameterValueException",
			fmt.Sprintf("MemorySize %d: must be between 128 and 10240 MB", *in.MemorySize))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.MemorySize != nil {
		s.o.MemoryMB = *in.MemorySize
	}
	if in.Timeout != nil {
		s.o.Timeout = *in.Timeout
	}
	if in.Environment != nil {
		s.o.Env = in.Environment.Variables // Lambda replaces the whole map
		if s.o.Env == nil {
			s.o.Env = map[string]string{}
		}
	}
	s.updated()
	writeJSON(w, s.config("InProgress"))
}

func (s *Server) updated() {
	s.retire()
	s.modified = time.Now().UTC()
	s.pending = s.o.PendingPolls
	s.updates++
}

func (s *Server) updateCode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ZipFile       []byte   `json:"ZipFile"` // base64 in JSON, decoded by encoding/json
		Architectures []string `json:"Architectures"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		apiError(w, http.StatusBadRequest, "InvalidParameterValueException", "request body: "+err.Error())
		return
	}
	arch := ""
	switch {
	case len(in.Architectures) == 0:
	case len(in.Architectures) == 1 && in.Architectures[0] == "arm64":
		arch = "arm64"
	case len(in.Architectures) == 1 && in.Architectures[0] == "x86_64":
		arch = "amd64"
	default:
		apiError(w, http.StatusBadRequest, "InvalidParameterValueException", fmt.Sprintf("Architectures %v: one of arm64, x86_64", in.Architectures))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.setCode(in.ZipFile); err != nil {
		apiError(w, http.StatusBadRequest, "InvalidParameterValueException", err.Error())
		return
	}
	if arch != "" {
		s.o.Arch = arch
	}
	s.updated()
	writeJSON(w, s.config("InProgress"))
}

func (s *Server) invoke(w http.ResponseWriter, r *http.Request) {
	payload, err := io.ReadAll(r.Body)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := r.Context()
	if err := s.start(ctx); err != nil {
		apiError(w, http.StatusInternalServerError, "ServiceException", "start the emulator: "+err.Error())
		return
	}
	cold := s.served == 0
	reqID := newRequestID()
	mark := s.logs.len()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.emu.InvokeURL, bytes.NewReader(payload))
	if err != nil {
		apiError(w, http.StatusInternalServerError, "ServiceException", err.Error())
		return
	}
	req.Header.Set("X-Amzn-RequestId", reqID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "ServiceException", "invoke the emulator: "+err.Error())
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		apiError(w, http.StatusInternalServerError, "ServiceException", "read the emulator's answer: "+err.Error())
		return
	}
	s.served++
	// The RIE prints REPORT before answering, but we read its stdout through a pipe.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	lines, err := s.logs.waitFor(wctx, mark, "REPORT RequestId: "+reqID)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "ServiceException", "no REPORT line from the emulator: "+err.Error())
		return
	}
	var initMs float64
	if cold {
		d, err := s.emu.WaitInitReport(wctx, 1)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "ServiceException", "no INIT REPORT from the emulator: "+err.Error())
			return
		}
		initMs = float64(d) / float64(time.Millisecond)
	}
	tail := s.invocationLog(lines, reqID, cold, initMs)
	if resp.StatusCode != http.StatusOK && resp.Header.Get("X-Amz-Function-Error") == "" {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
	} else if fe := resp.Header.Get("X-Amz-Function-Error"); fe != "" {
		w.Header().Set("X-Amz-Function-Error", fe)
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Log-Type"), "Tail") {
		w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(lastBytes(tail, 4096)))
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

var (
	rieInit   = regexp.MustCompile(`Init Duration: [0-9.]+ ms\t`)
	rieBilled = regexp.MustCompile(`Billed Duration: [0-9.]+ ms`)
	rieDur    = regexp.MustCompile(`\tDuration: ([0-9.]+) ms`)
	rieMaxMem = regexp.MustCompile(`Max Memory Used: [0-9]+ MB\t?`)
)

// invocationLog cuts this invocation's lines (START .. REPORT) out of the emulator's log and
// makes the REPORT line say what Lambda's would:
//   - Init Duration: this RIE build prints a meaningless figure there (its own bookkeeping,
//     0.x ms); the real init time is on its "INIT REPORT (durationMs: ...)" line, so that
//     figure goes where Lambda puts it, last on the cold invoke's REPORT line;
//   - Billed Duration: for provided.* runtimes Lambda bills the init phase too, so a cold
//     invoke bills ceil(init + duration);
//   - Max Memory Used: the RIE repeats Memory Size there; we put the function process's
//     peak RSS (VmHWM). Under qemu-user that includes the emulator's own memory.
func (s *Server) invocationLog(lines []string, reqID string, cold bool, initMs float64) []byte {
	start := 0
	for i, l := range lines {
		if strings.Contains(l, "START RequestId: "+reqID) {
			start = i
		}
	}
	var b bytes.Buffer
	if cold {
		fmt.Fprintf(&b, "INIT_START Runtime Version: provided:al2023 (fakelambda: %s under the Lambda RIE)\n", s.o.Arch)
	}
	for _, l := range lines[start:] {
		if !strings.Contains(l, "REPORT RequestId: "+reqID) {
			b.WriteString(l + "\n")
			continue
		}
		l = strings.TrimRight(rieInit.ReplaceAllString(l, ""), "\t")
		if m := rieDur.FindStringSubmatch(l); m != nil {
			d, _ := strconv.ParseFloat(m[1], 64)
			l = rieBilled.ReplaceAllString(l, fmt.Sprintf("Billed Duration: %.0f ms", math.Ceil(d+initMs)))
		}
		if mb := s.peakRSSMB(); mb > 0 {
			l = rieMaxMem.ReplaceAllString(l, fmt.Sprintf("Max Memory Used: %d MB\t", mb))
		}
		l = strings.TrimRight(l, "\t")
		if cold {
			l += fmt.Sprintf("\tInit Duration: %.2f ms", initMs)
		}
		b.WriteString(l + "\n")
	}
	return b.Bytes()
}

// peakRSSMB finds the function process (argv holds the unpacked bootstrap, and it is not
// the emulator itself) and returns its VmHWM in MB, rounded up; 0 when not found.
func (s *Server) peakRSSMB() int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	rie := filepath.Base(s.o.RIE)
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmd, []byte(s.boot)) {
			continue
		}
		argv := strings.Split(string(cmd), "\x00")
		if filepath.Base(argv[0]) == rie {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(status))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmHWM:" {
				kb, _ := strconv.Atoi(f[1])
				return (kb + 1023) / 1024
			}
		}
	}
	return 0
}

func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// apiError answers like the Lambda REST-JSON API: the error type in X-Amzn-ErrorType,
// the message in the body.
func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}
