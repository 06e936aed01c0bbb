package measure

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
)

// NonceVar is the environment variable changed to force a cold start, as lambda-perf does:
// any configuration update makes Lambda retire the function's execution environments.
const NonceVar = "COLDSTART_NONCE"

// NewLambdaClient loads the default AWS credential chain (env, profile, SSO, IMDS) for region.
// endpoint, when not empty, replaces the Lambda endpoint (a fake, LocalStack, a VPC endpoint).
func NewLambdaClient(ctx context.Context, region, endpoint string) (*lambda.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// Lambda measures one function through the Lambda API. It invokes the unqualified function
// ($LATEST): configuration updates, which force cold starts, apply to $LATEST only, while
// the alias points at a published version kept warm by provisioned concurrency.
type Lambda struct {
	Client   *lambda.Client
	Function string
	Host     string        // Host header of the synthetic Function URL events ("" = lambda-url.local)
	PollMin  time.Duration // waiter delay between GetFunctionConfiguration polls (0 = 1s)
	Timeout  time.Duration // longest wait for an update (0 = 5m)
}

// FunctionState is what the tools change and restore.
type FunctionState struct {
	MemoryMB     int
	Arch         string // "arm64" | "amd64"
	Env          map[string]string
	CodeSha256   string
	LastModified string
}

// State reads the function's current configuration.
func (l *Lambda) State(ctx context.Context) (FunctionState, error) {
	out, err := l.Client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &l.Function})
	if err != nil {
		return FunctionState{}, fmt.Errorf("get configuration of %s: %w", l.Function, err)
	}
	s := FunctionState{MemoryMB: int(aws.ToInt32(out.MemorySize)), Arch: "amd64", Env: map[string]string{},
		CodeSha256: aws.ToString(out.CodeSha256), LastModified: aws.ToString(out.LastModified)}
	for _, a := range out.Architectures {
		if a == types.ArchitectureArm64 {
			s.Arch = "arm64"
		}
	}
	if e := out.Environment; e != nil {
		// An update replaces the whole variable map: if Lambda could not decrypt the
		// variables for us (kms:Decrypt missing), writing them back would wipe them.
		if e.Error != nil {
			return FunctionState{}, fmt.Errorf("%s: cannot read its environment (%s: %s); forcing a cold start rewrites the environment, so the caller needs kms:Decrypt on the function's key",
				l.Function, aws.ToString(e.Error.ErrorCode), aws.ToString(e.Error.Message))
		}
		maps.Copy(s.Env, e.Variables)
	}
	return s, nil
}

func (l *Lambda) wait(ctx context.Context) error {
	poll := l.PollMin
	if poll <= 0 {
		poll = time.Second
	}
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	w := lambda.NewFunctionUpdatedWaiter(l.Client, func(o *lambda.FunctionUpdatedWaiterOptions) {
		o.MinDelay = poll
		o.MaxDelay = max(poll, 5*time.Second)
	})
	if err := w.Wait(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &l.Function}, timeout); err != nil {
		return fmt.Errorf("wait for %s to finish updating (LastUpdateStatus Successful): %w", l.Function, err)
	}
	return nil
}

// Configure sets the memory size (0 = unchanged) and a fresh nonce on top of env, waits
// until the update is active, and so leaves the function with no warm environment.
func (l *Lambda) Configure(ctx context.Context, env map[string]string, memoryMB int) error {
	vars := maps.Clone(env)
	if vars == nil {
		vars = map[string]string{}
	}
	vars[NonceVar] = strconv.FormatInt(time.Now().UnixNano(), 36)
	in := &lambda.UpdateFunctionConfigurationInput{FunctionName: &l.Function, Environment: &types.Environment{Variables: vars}}
	if memoryMB > 0 {
		in.MemorySize = aws.Int32(int32(memoryMB))
	}
	if _, err := l.Client.UpdateFunctionConfiguration(ctx, in); err != nil {
		return fmt.Errorf("update configuration of %s: %w", l.Function, err)
	}
	return l.wait(ctx)
}

// Restore puts back the memory size and the environment of s (without the nonce).
func (l *Lambda) Restore(ctx context.Context, s FunctionState) error {
	in := &lambda.UpdateFunctionConfigurationInput{FunctionName: &l.Function,
		Environment: &types.Environment{Variables: s.Env}, MemorySize: aws.Int32(int32(s.MemoryMB))}
	if _, err := l.Client.UpdateFunctionConfiguration(ctx, in); err != nil {
		return fmt.Errorf("restore configuration of %s: %w", l.Function, err)
	}
	return l.wait(ctx)
}

// SetCode uploads a deployment package for arch ("arm64" | "amd64"); the architecture is
// a property of the code on Lambda, so switching it needs the matching artifact.
func (l *Lambda) SetCode(ctx context.Context, zip []byte, arch string) error {
	a := types.ArchitectureX8664
	if arch == "arm64" {
		a = types.ArchitectureArm64
	}
	if _, err := l.Client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: &l.Function,
		ZipFile: zip, Architectures: []types.Architecture{a}}); err != nil {
		return fmt.Errorf("update code of %s (%s): %w", l.Function, arch, err)
	}
	return l.wait(ctx)
}

// Request is one HTTP request sent to the function as a Function URL event.
type Request struct {
	Method, Path, Body, APIKey string
}

// Invocation is one measured invoke.
type Invocation struct {
	Path        string  `json:"path"`
	Status      int     `json:"status"`
	RoundTripMs float64 `json:"round_trip_ms"` // Invoke API call as the client saw it
	Report      Report  `json:"report"`
}

// Invoke sends r as a Function URL event (payload 2.0, as the deployed URL would) with
// LogType Tail and reads the REPORT line of the answer.
func (l *Lambda) Invoke(ctx context.Context, r Request) (Invocation, error) {
	host := l.Host
	if host == "" {
		host = "lambda-url.local"
	}
	hr, err := http.NewRequest(r.Method, "https://"+host+r.Path, strings.NewReader(r.Body))
	if err != nil {
		return Invocation{}, fmt.Errorf("request %s %s: %w", r.Method, r.Path, err)
	}
	if r.Body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.APIKey != "" {
		hr.Header.Set("Authorization", "Bearer "+r.APIKey)
	}
	hr.Header.Set("User-Agent", "ai-agent-connector-coldstart")
	hr.RemoteAddr = "127.0.0.1:0"
	payload, err := json.Marshal(lambdaemu.NewEvent(hr, []byte(r.Body), time.Now()))
	if err != nil {
		return Invocation{}, fmt.Errorf("encode event: %w", err)
	}
	start := time.Now()
	out, err := l.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: &l.Function, Payload: payload, LogType: types.LogTypeTail})
	rt := time.Since(start)
	if err != nil {
		return Invocation{}, fmt.Errorf("invoke %s (%s %s): %w", l.Function, r.Method, r.Path, err)
	}
	inv := Invocation{Path: r.Path, RoundTripMs: round2(Ms(rt))}
	if out.LogResult == nil {
		return inv, errors.New("invoke answered without X-Amz-Log-Result: LogType Tail needs lambda:InvokeFunction on the unqualified function")
	}
	rep, _, err := ReportFromTail(*out.LogResult)
	if err != nil {
		return inv, err
	}
	inv.Report = rep
	if out.FunctionError != nil {
		return inv, fmt.Errorf("%s %s: function error %s: %s", r.Method, r.Path, *out.FunctionError, truncate(out.Payload, 300))
	}
	resp, err := lambdaemu.DecodeResponse(out.Payload)
	if err != nil {
		return inv, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
	}
	inv.Status = resp.Status
	if resp.Status >= 300 {
		return inv, fmt.Errorf("%s %s: status %d: %s%s", r.Method, r.Path, resp.Status, truncate(resp.Body, 300), statusHint(resp.Status))
	}
	return inv, nil
}

func truncate(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// HostOf returns the host of a URL output ("" when it has none).
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// statusHint says what usually causes a status the tools meet.
func statusHint(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return " (is --api-key / CONNECTOR_API_KEY one of the stack's apiKeys?)"
	case http.StatusServiceUnavailable:
		return " (database unreachable or pool busy: check GET /ready)"
	}
	return ""
}
