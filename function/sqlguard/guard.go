package sqlguard

import (
	"fmt"
	"strings"
)

// Rejection explains why a statement was refused. Its message is written for
// the agent that sent the statement.
type Rejection struct {
	Message string
}

func (r *Rejection) Error() string { return r.Message }

func reject(format string, args ...any) *Rejection {
	return &Rejection{Message: fmt.Sprintf(format, args...)}
}

// Statement is a screened statement, ready to run inside a READ ONLY
// transaction.
type Statement struct {
	// SQL is the statement with trailing semicolons and comments removed, so
	// that it can be wrapped in a subquery.
	SQL string
	// Params is the highest $n placeholder used.
	Params int
}

// readStarts are the only words a statement may start with.
var readStarts = map[string]bool{"select": true, "with": true, "values": true, "table": true}

// statementWords are words that start statements other than queries. They
// are named in the rejection so the agent learns what it tried.
var statementWords = map[string]string{
	"insert": "writes", "update": "writes", "delete": "writes", "merge": "writes",
	"upsert": "writes", "truncate": "writes",
	"create": "DDL", "alter": "DDL", "drop": "DDL", "comment": "DDL", "grant": "DDL",
	"revoke": "DDL", "security": "DDL", "reindex": "DDL", "cluster": "DDL", "vacuum": "DDL",
	"analyze": "DDL", "refresh": "DDL", "import": "DDL", "lock": "locking",
	"copy": "COPY",
	"set":  "session settings (SET)", "reset": "session settings (RESET)",
	"discard": "session settings (DISCARD)", "load": "LOAD",
	"listen": "LISTEN/NOTIFY", "notify": "LISTEN/NOTIFY", "unlisten": "LISTEN/NOTIFY",
	"do": "procedural code (DO)", "call": "procedures (CALL)",
	"prepare": "prepared statements", "execute": "prepared statements", "deallocate": "prepared statements",
	"begin": "transaction control", "start": "transaction control", "commit": "transaction control",
	"rollback": "transaction control", "abort": "transaction control", "end": "transaction control",
	"savepoint": "transaction control", "release": "transaction control",
	"checkpoint": "server control", "declare": "cursors", "fetch": "cursors", "move": "cursors",
	"close": "cursors", "explain": "EXPLAIN (it can run the statement)",
}

// innerWords may not appear anywhere in a query: they turn a SELECT into a
// write (data-modifying CTEs, SELECT INTO) or take row locks (FOR UPDATE).
var innerWords = map[string]string{
	"insert": "writes (INSERT)", "update": "writes or row locks (UPDATE)",
	"delete": "writes (DELETE)", "merge": "writes (MERGE)", "into": "SELECT INTO (it creates a table)",
	"truncate": "writes (TRUNCATE)", "copy": "COPY",
}

// deniedFuncs are functions with effects that outlive the transaction (locks,
// signals, files, replication slots, statistics, configuration), or that run
// SQL text the screener never sees (query_to_xml, ts_stat, ts_rewrite,
// dblink). Prefixes end in '*'.
var deniedFuncs = []string{
	"ts_stat", "ts_rewrite", "pg_logical_*", "pg_stat_reset*", "pg_stat_statements_reset",
	"pg_replication_origin_*", "pg_copy_*",
	"set_config", "pg_read_file", "pg_read_binary_file", "pg_ls_*", "pg_stat_file",
	"lo_*", "dblink*", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf",
	"pg_rotate_logfile", "pg_switch_wal", "pg_create_restore_point", "pg_advisory*",
	"pg_try_advisory*", "pg_notify", "nextval", "setval", "pg_logical_emit_message",
	"pg_promote", "pg_file_*", "query_to_xml*", "cursor_to_xml*", "pg_import_system_collations",
	"pg_backup_*", "pg_start_backup", "pg_stop_backup", "pg_create_*", "pg_drop_*",
	"pg_replication_*", "pg_wal_replay_*", "pg_log_backend_memory_contexts",
}

func deniedFunc(name string) bool {
	for _, d := range deniedFuncs {
		if p, ok := strings.CutSuffix(d, "*"); ok {
			if strings.HasPrefix(name, p) {
				return true
			}
		} else if name == d {
			return true
		}
	}
	return false
}

// Check screens sql: exactly one read-only query, no side-effect functions.
func Check(sql string) (Statement, error) {
	toks, err := lex(sql)
	if err != nil {
		return Statement{}, reject("cannot read the statement: %v", err)
	}
	// Trailing semicolons end the one statement; any other one starts a second.
	for len(toks) > 0 && toks[len(toks)-1].kind == tokSemicolon {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return Statement{}, reject("the statement is empty")
	}
	first := ""
	for _, t := range toks {
		if t.kind == tokPunct && t.text == "(" {
			continue
		}
		if t.kind == tokWord {
			first = t.text
		}
		break
	}
	if !readStarts[first] {
		if what, ok := statementWords[first]; ok {
			return Statement{}, reject("only read queries are allowed (SELECT, WITH, VALUES, TABLE): %s is not (%q)", what, strings.ToUpper(first))
		}
		if first == "" {
			return Statement{}, reject("only read queries are allowed (SELECT, WITH, VALUES, TABLE)")
		}
		return Statement{}, reject("only read queries are allowed (SELECT, WITH, VALUES, TABLE), not %q", strings.ToUpper(first))
	}
	maxParam := 0
	for i, t := range toks {
		switch t.kind {
		case tokSemicolon:
			return Statement{}, reject("exactly one statement is allowed; found a second after ';'")
		case tokParam:
			var n int
			if _, err := fmt.Sscanf(t.text, "$%d", &n); err != nil || n < 1 || n > 65535 {
				return Statement{}, reject("invalid placeholder %s", t.text)
			}
			maxParam = max(maxParam, n)
		case tokQuotedIdent:
			call := i+1 < len(toks) && toks[i+1].kind == tokPunct && toks[i+1].text == "("
			if call && strings.HasPrefix(t.text, "U&") {
				// U&"\0073et_config" spells a name the screener would have to
				// decode (with a UESCAPE that can change); a call by such a
				// name has no honest use, so it is refused outright.
				return Statement{}, reject("calling a function by a Unicode-escaped name (U&\"...\") is not allowed")
			}
			// "set_config"(...) names the same function as set_config(...).
			name := t.text
			if call && deniedFunc(name) {
				return Statement{}, reject("the function %s is not allowed: it has effects outside a read-only query", name)
			}
		case tokWord:
			if what, ok := innerWords[t.text]; ok {
				return Statement{}, reject("the query may not contain %s", what)
			}
			if t.text == "for" && i+1 < len(toks) && toks[i+1].kind == tokWord {
				switch toks[i+1].text {
				case "share", "no", "key":
					return Statement{}, reject("row locks (FOR %s) are not allowed", strings.ToUpper(toks[i+1].text))
				}
			}
			if i+1 < len(toks) && toks[i+1].kind == tokPunct && toks[i+1].text == "(" && deniedFunc(t.text) {
				return Statement{}, reject("the function %s is not allowed: it has effects outside a read-only query", t.text)
			}
		}
	}
	return Statement{SQL: strings.TrimSpace(sql[:toks[len(toks)-1].end]), Params: maxParam}, nil
}
