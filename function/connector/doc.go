// Package connector is the function's core: one http.Handler that gives AI
// agents read-only access to PostgreSQL.
//
// Every platform entrypoint (cmd/local, cmd/lambda, cmd/azure and the Cloud
// Functions package at the module root) builds the same handler with
// NewHandler and differs only in Options: how it dials and authenticates to
// the database, and its default pool size.
//
// # Core and adapters
//
// The core knows neither HTTP nor MCP: app.query, app.schema (and the tools
// built on them) take a decoded request (QueryRequest) and return a Result
// or an *Error with a transport-free Code (errors.go). Validation, screening
// and limits live in the core. rest.go is the REST adapter: it decodes
// bodies (decode.go, shared with MCP), calls the core and maps codes to HTTP
// statuses in statusOf, the only such map. mcp.go is the MCP adapter (the
// official go-sdk, stateless, built on the first /mcp request): tool calls
// go through the same core, and toolResult and jsonrpcCode are its maps.
//
// # Cold start
//
// Nothing is done at package init or in NewHandler beyond allocating the
// router. GET /health answers without reading configuration or touching the
// database. The app (configuration, API keys and the pgx pool) is built on the
// first request that needs it, exactly once even when several first requests
// arrive together; a failed build is not cached, so the next request retries.
// pgxpool connects lazily, so building the pool costs no network round trip:
// the first connection is opened by the first query and reported as its
// db-acquire time.
//
// # Safety
//
// A query is screened by package sqlguard, then run as exactly one statement
// (the extended protocol refuses several) in a READ ONLY transaction with
// statement_timeout, work_mem and standard_conforming_strings set on the
// server, wrapped in a subquery with a LIMIT so the server never sends more
// rows than the cap, and with the response bytes bounded. Screening is
// defence in depth: the READ ONLY transaction and the database role are
// what hold. A server that reports standard_conforming_strings off is
// refused (503 unsafe_server_setting).
//
// The role is checked once per instance, on the first connection the pool
// opens (privilege.go; the warm path never sees it): a superuser, BYPASSRLS,
// REPLICATION or CREATEROLE role, a member of rds_superuser, rds_replication,
// cloudsqlsuperuser, azure_pg_admin or of the server-file, server-program
// and signal predefined roles, or one that may run dblink, adminpack or a
// pg_catalog function PUBLIC may not (pg_read_file, lo_export, pg_monitor's
// pg_ls_*), is refused: agent SQL, /v1/schema and /ready answer 503
// privileged_role naming the fix, and the log says why, unless
// ALLOW_PRIVILEGED_ROLE=true (logged at ERROR on every start). On such a
// role one screener bypass would give the host away.
//
// Nothing a statement does outlives its request: every setting is SET
// LOCAL or undone by the ROLLBACK, statements are unnamed, and session
// advisory locks (the one thing ROLLBACK keeps) are released in the same
// round trip (pg_advisory_unlock_all after every ROLLBACK).
//
// # Bounds and errors
//
// One key has at most MAX_CONCURRENT_PER_KEY requests in flight (REST and
// MCP alike, counted by the matched key's index); past it the answer is 429
// too_many_requests with Retry-After. The screener's refusals say which:
// 400 syntax_error, function_not_allowed or statement_not_allowed. What the
// statement caused keeps
// PostgreSQL's message and SQLSTATE and is never retryable: 400 sql_error,
// 403 read_only / permission_denied, 422 query_timeout, 422 query_too_large
// (temp_file_limit, memory, disk, program limits: narrow the query). Only a
// database that cannot serve now is a 503 with Retry-After (database_busy,
// database_unavailable, database_timeout, pool_exhausted); an internal
// database failure is 500 database_error. A cut result says why:
// "truncated_reason" is max_rows, max_result_bytes or row_too_large.
//
// # One round trip
//
// The transaction (BEGIN READ ONLY, the SET LOCALs, the statement,
// ROLLBACK) is one pipeline with one Sync (pipeline.go): one round trip on
// success, a second (ROLLBACK) only after an error. There is no ping
// before use; a connection idle past 1 s must answer the preamble within
// 500 ms instead, and one that died before answering is retried once on a
// fresh connection. Broken connections leave the pool at once (Hijack), so
// pgx's cleanup of a dead socket never holds a pool slot.
//
// # Poolers
//
// Statements are unnamed, with no statement cache, and every setting is
// SET LOCAL: no prepared statement or setting outlives its transaction, so
// transaction-mode poolers (PgBouncer, RDS Proxy, Azure's built-in
// PgBouncer) can move the session between server connections safely.
//
// # Environment
//
// A value that still holds a platform secret reference (an Azure Key Vault
// or App Configuration reference, a CloudFormation dynamic reference, a
// Secrets Manager or SSM ARN) means the platform could not resolve it: the
// function then refuses to start (503 not_ready; the log names the setting
// and the fix) rather than take the reference text as a key or password.
//
//	DATABASE_URL       postgres URL or DSN (required)
//	DATABASE_PASSWORD  password, when not in DATABASE_URL (Azure: Key Vault reference)
//	API_KEYS           comma-separated bearer keys (required; several allow rotation)
//	DB_SCHEMAS         schemas /v1/schema lists (default "public"); the role's grants decide what queries read
//	POOL_SIZE          max pool connections (default: Options.DefaultPoolSize)
//	QUERY_TIMEOUT_MS   per-query budget, enforced on the server (default 5000)
//	ACQUIRE_TIMEOUT_MS wait for a free pool connection before 503 (default 2000)
//	MAX_ROWS           row cap per query (default 1000)
//	MAX_RESULT_BYTES   response size cap (default 4 MiB)
//	COLD_START_WARN_MS warn when app init is slower (default 2000)
//	LOG_LEVEL          debug, info, warn or error (default info)
//	MAX_CONCURRENT_PER_KEY requests one key may have in flight (default: with
//	                   several keys half of POOL_SIZE, at least 1; with one key no cap)
//	ALLOW_PRIVILEGED_ROLE  true to serve as a privileged role anyway (default false; logged at ERROR)
//	MAX_HTTP_CONNECTIONS   open client connections of cmd/local and cmd/azure (package serve; default 256)
package connector
