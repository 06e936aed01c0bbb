package sqlguard

import "strings"

// Classes of a name in the built-in catalog (catalog_gen.go). The first byte
// of an entry is its class; the second says whether it is also a keyword.
const (
	classAllowed  = 'a' // a function PostgreSQL marks immutable or stable, or one on the allow-list
	classVolatile = 'v' // a volatile function not on the allow-list
	classKeyword  = 'k' // a keyword that names no function: grammar, not a call
	// Refused whatever their volatility (several are stable):
	classRunsSQL      = 'q'
	classXML          = 'x'
	classLargeObject  = 'l'
	classAdvisoryLock = 'L'
	classServer       = 's'
	classReplication  = 'r'
	classStatsReset   = 'S'
	classSeed         = 'z'
	classXID          = 'i'
	classIndex        = 'm'
	classSettings     = 'c'
	classFiles        = 'f'
	classSequence     = 'n'
	classSessions     = 'o'
)

// refusedWhy says, for the agent, why a class of function is refused.
func refusedWhy(class byte) string {
	switch class {
	case classVolatile:
		return "it is volatile (it may change state or depend on it), and only immutable and stable functions are allowed"
	case classRunsSQL:
		return "it runs SQL text that the screener never sees"
	case classXML:
		return "XML work runs in libxml, which statement_timeout cannot interrupt"
	case classLargeObject:
		return "large objects are read and written outside the query's transaction rules"
	case classAdvisoryLock:
		return "advisory locks outlive the request on a pooled connection"
	case classServer:
		return "it signals sessions or controls the server"
	case classReplication:
		return "it creates, drops or consumes replication state"
	case classStatsReset:
		return "it resets or flushes server statistics"
	case classSeed:
		return "it would make the next request's random() predictable"
	case classXID:
		return "it assigns (burns) a transaction id"
	case classIndex:
		return "it writes index pages even in a read-only transaction"
	case classSettings:
		return "it changes settings"
	case classFiles:
		return "it reads server files or directories"
	case classSequence:
		return "it changes a sequence"
	case classSessions:
		return "it shows other sessions and what they run"
	}
	return "it is not allowed"
}

// lookupBuiltin finds key (a function name, "information_schema.name", or
// a keyword) in the generated table: a binary search over the sorted lines
// of one string constant, so the table costs no work at init and no
// allocation per lookup.
func lookupBuiltin(key string) (class byte, ok bool) {
	if key == "" {
		return 0, false
	}
	s := builtins
	lo, hi := int(builtinIndex[key[0]]), int(builtinIndex[int(key[0])+1]) // both at line starts
	for lo < hi {
		m := lo + (hi-lo)/2
		st := lo + strings.LastIndexByte(s[lo:m], '\n') + 1
		en := m + strings.IndexByte(s[m:hi], '\n')
		line := s[st:en] // "name ck"
		name := line[:len(line)-3]
		switch c := strings.Compare(key, name); {
		case c == 0:
			return line[len(line)-2], true
		case c < 0:
			hi = st
		default:
			lo = en + 1
		}
	}
	return 0, false
}

// refusedRelation says why a relation may not be read, or "" if it may.
// These show other sessions: their SQL text with its literals
// (pg_stat_activity, pg_stat_statements), or who they are and what they hold
// or do (locks, replication and progress views, connection details). Every
// agent shares one role, so they would leak one agent's work to another.
// Large-object contents go with the large-object functions. A switch, not a
// map: nothing to build at init.
func refusedRelation(name string) string {
	switch name {
	case "pg_stat_activity", "pg_stat_statements":
		return "other sessions' SQL"
	case "pg_stat_statements_info":
		return "other sessions' SQL statistics"
	case "pg_locks":
		return "other sessions' locks"
	case "pg_stat_replication", "pg_stat_wal_receiver":
		return "replication connections"
	case "pg_stat_subscription":
		return "replication workers"
	case "pg_stat_ssl", "pg_stat_gssapi":
		return "other sessions' connections"
	case "pg_stat_progress_analyze", "pg_stat_progress_basebackup", "pg_stat_progress_cluster", "pg_stat_progress_copy", "pg_stat_progress_create_index", "pg_stat_progress_vacuum":
		return "other sessions' work"
	case "pg_prepared_xacts":
		return "other sessions' prepared transactions"
	case "pg_prepared_statements", "pg_cursors":
		return "what is prepared or open on this server connection, which a pooler shares between clients"
	case "pg_largeobject":
		return "large-object contents"
	}
	return ""
}
