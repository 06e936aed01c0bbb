package measure

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseReport(t *testing.T) {
	tests := []struct {
		name, line string
		want       Report
		wantErr    bool
	}{
		{name: "lambda cold", line: "REPORT RequestId: 3f0c\tDuration: 5.30 ms\tBilled Duration: 48 ms\tMemory Size: 256 MB\tMax Memory Used: 21 MB\tInit Duration: 41.20 ms\t",
			want: Report{RequestID: "3f0c", InitMs: 41.2, DurationMs: 5.3, BilledMs: 48, MemorySizeMB: 256, MaxMemoryMB: 21, Cold: true}},
		{name: "lambda warm", line: "REPORT RequestId: ab\tDuration: 1.01 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB",
			want: Report{RequestID: "ab", DurationMs: 1.01, BilledMs: 2, MemorySizeMB: 128, MaxMemoryMB: 20}},
		{name: "emulator order (init first)", line: "REPORT RequestId: x\tInit Duration: 0.17 ms\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t",
			want: Report{RequestID: "x", InitMs: 0.17, DurationMs: 2, BilledMs: 2, MemorySizeMB: 3008, MaxMemoryMB: 3008, Cold: true}},
		{name: "not a report", line: "START RequestId: x Version: $LATEST", wantErr: true},
		{name: "no billed duration", line: "REPORT RequestId: x\tDuration: 2.00 ms", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseReport(tc.line)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	tail := base64.StdEncoding.EncodeToString([]byte("START RequestId: q\nhello\nEND RequestId: q\nREPORT RequestId: q\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\n"))
	if r, _, err := ReportFromTail(tail); err != nil || r.RequestID != "q" || r.MaxMemoryMB != 9 {
		t.Errorf("ReportFromTail: %+v %v", r, err)
	}
	if _, _, err := ReportFromTail(base64.StdEncoding.EncodeToString([]byte("no report here\n"))); err == nil {
		t.Error("a tail without REPORT must be an error")
	}
}

func TestParseOutputs(t *testing.T) {
	tests := []struct {
		name, json, wantErr, region string
	}{
		{name: "aws", json: `{"cloud":"aws","url":"https://x.lambda-url.eu-west-1.on.aws/","functionName":"f","aliasArn":"arn:aws:lambda:eu-west-1:1:function:f:live","proxyEndpoint":"[secret]"}`, region: "eu-west-1"},
		{name: "gcp", json: `{"cloud":"gcp","url":"https://f-abc.a.run.app"}`},
		{name: "not json", json: `url: x`, wantErr: "not the JSON object"},
		{name: "no url", json: `{"cloud":"aws"}`, wantErr: `neither output "url" nor "functionName"`},
		{name: "url not string", json: `{"url":3}`, wantErr: `output "url" is float64`},
		{name: "bad cloud", json: `{"cloud":"ibm","url":"x"}`, wantErr: "allowed: aws, gcp, azure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseOutputs([]byte(tc.json), "out.json")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "out.json") {
					t.Fatalf("err %v, want one naming out.json and %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Region() != tc.region {
				t.Errorf("region %q, want %q", o.Region(), tc.region)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6})
	if s != (Summary{N: 10, Min: 1, Median: 5, P90: 9, Max: 10}) {
		t.Errorf("%+v", s)
	}
	if Summarize(nil).N != 0 {
		t.Error("empty")
	}
}
