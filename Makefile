# ai-agent-connector: every command a user or CI needs.
# Go 1.26; the function (function/) and the Pulumi program (root) are two modules.

GO      ?= go
STACK   ?= aws-dev
# Fuzz runs are bounded by a count, never a duration: a duration-bounded run
# once failed on a loaded machine with "context deadline exceeded" and no
# crash input (golang/go#75804).
FUZZ_CI   ?= 2000x
FUZZTIME  ?= 100000x
LOAD_DURATION ?= 60s
# The pinned npm MCP tools (Node 22, conformance suite, Inspector CLI): .ci/mcp-tools/install.
MCP_TOOLS ?= /opt/mcp-tools
export MCP_TOOLS
# The commands under scripts/ are built into BIN and then run in place of the recipe's shell
# (exec): make's exit status is the program's (`go run` turns every failure into 1, so a
# missed target and a broken run would look the same), and Ctrl-C reaches it directly; a
# clean interrupt exits 0, so `make local` ends without "make: *** Error".
BIN ?= bin
run = $(GO) build -o $(BIN)/$(1) ./scripts/$(1) && exec $(BIN)/$(1)

.PHONY: help local test test-function conformance mcp-tools test-infra vet fuzz fuzz-ci bench build preview coldstart coldstart-stack tune fakelambda inittrace reliability clean

## help: this list (what bare `make` prints).
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## local: run the Lambda artifact under the real Lambda Runtime Interface Emulator, on
## localhost:8080, against DATABASE_URL or a throwaway PostgreSQL. Ctrl-C stops all.
local:
	$(call run,local)

## test: everything CI runs (starts its own PostgreSQL and PgBouncer on loopback).
test: vet test-function conformance test-infra fuzz-ci

vet:
	cd function && $(GO) vet ./...
	$(GO) vet ./...

test-function:
	cd function && $(GO) test -count=1 $$($(GO) list ./... | grep -v /internal/conformance$$)

## conformance: the official MCP conformance suite and the MCP Inspector CLI against the real
## cmd/local on a throwaway PostgreSQL (function/internal/conformance). Needs `make mcp-tools`
## first; skips without the tools, fails without them under CI.
conformance:
	cd function && $(GO) test -count=1 ./internal/conformance

## mcp-tools: install the pinned MCP tools into MCP_TOOLS (default /opt/mcp-tools; idempotent).
mcp-tools:
	bash .ci/mcp-tools/install

test-infra:
	$(GO) test -count=1 ./...

## fuzz-ci: the short fuzz runs `make test` does: the screener's properties, the
## differential oracle against a real PostgreSQL 15 (sqlguard/doc.go), the request decoder.
fuzz-ci:
	$(MAKE) fuzz FUZZTIME=$(FUZZ_CI)

## fuzz: a longer run of the same targets (FUZZTIME=1000000x for a long one).
fuzz:
	cd function && $(GO) test -run '^$$' -fuzz '^FuzzCheck$$' -fuzztime $(FUZZTIME) ./sqlguard
	cd function && $(GO) test -run '^$$' -fuzz '^FuzzOracle$$' -fuzztime $(FUZZTIME) ./sqlguard
	cd function && $(GO) test -run '^$$' -fuzz '^FuzzDecodeQuery$$' -fuzztime $(FUZZTIME) ./connector

## bench: warm query, pool acquire and cold first-query latency, direct and via PgBouncer.
bench:
	cd function && $(GO) test -run '^$$' -bench . -benchtime 2000x ./connector

## build: the three platform artifacts (deterministic zips) into dist/.
build:
	$(call run,build) --out dist

## preview: offline plan and policy checks of a stack (STACK=aws-dev by default).
preview:
	$(call run,preview) --stack $(STACK)

## coldstart: measure cold starts under the local Lambda emulator vs a hello world.
coldstart:
	$(call run,coldstart)

## coldstart-stack: measure the deployed stack (STACK=aws-dev; OUTPUTS=file from `pulumi stack output --json`).
coldstart-stack:
	$(call run,coldstart) --stack $(STACK) $(if $(OUTPUTS),--outputs $(OUTPUTS))

## tune: memory x architecture sweep of a deployed AWS stack, cold starts counted; chart in .coldstart/.
tune:
	$(call run,tune) --stack $(STACK) $(if $(OUTPUTS),--outputs $(OUTPUTS))

## fakelambda: a local stand-in for a deployed stack, to try coldstart-stack and tune without a cloud.
fakelambda:
	$(call run,fakelambda)

## reliability: the heavy runs: 200-process connection storm, long fault cycles, hostile
## corpus through PgBouncer, then a fixed-rate load for LOAD_DURATION (figures: docs/reliability.md).
reliability:
	cd function && RELIABILITY_FULL=1 $(GO) test -count=1 -v -timeout 15m ./internal/reliability
	$(call run,load) --duration $(LOAD_DURATION)

## inittrace: what each package's init costs in the built Lambda artifact.
inittrace:
	$(call run,inittrace)

clean:
	rm -rf dist $(BIN)
