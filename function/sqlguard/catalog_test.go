package sqlguard

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

var update = flag.Bool("update", false, "rewrite catalog_gen.go from the oracle server (go test ./sqlguard -run TestCatalog -update)")

// volatileAllowed are the volatile built-ins an agent may call, each with
// why it is harmless: it changes nothing that outlives the statement, and
// statement_timeout bounds it.
var volatileAllowed = map[string]string{
	"random":                 "draws from the session's generator; setseed, the only way to make it predictable, is refused",
	"gen_random_uuid":        "fresh randomness, no state",
	"clock_timestamp":        "reads the clock",
	"timeofday":              "reads the clock",
	"pg_sleep":               "waits, and statement_timeout interrupts it",
	"pg_sleep_for":           "waits, and statement_timeout interrupts it",
	"pg_sleep_until":         "waits, and statement_timeout interrupts it",
	"pg_database_size":       "reads file sizes: how big is this database",
	"pg_relation_size":       "reads file sizes: how big is this table",
	"pg_table_size":          "reads file sizes: how big is this table",
	"pg_indexes_size":        "reads file sizes: how big are its indexes",
	"pg_total_relation_size": "reads file sizes: how big is this table with its indexes",
	"pg_tablespace_size":     "reads file sizes",
	"pg_is_in_recovery":      "reads server state: is this a standby",
	"pg_jit_available":       "reads server state",
	"pg_partition_tree":      "reads the catalog",
	"pg_partition_ancestors": "reads the catalog",
	// TABLESAMPLE SYSTEM (10) names these handlers; they take an internal
	// argument, so SQL cannot call them directly.
	"system":    "a TABLESAMPLE method",
	"bernoulli": "a TABLESAMPLE method",
}

// classify decides a built-in name's class. Refused classes come first:
// they hold whatever PostgreSQL says of the function's volatility
// (txid_current and pg_stat_get_activity, for two, are stable).
func classify(name string, isFunc, volatile bool) byte {
	has := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if exact, ok := strings.CutSuffix(p, "$"); ok {
				if name == exact {
					return true
				}
			} else if strings.HasPrefix(name, p) {
				return true
			}
		}
		return false
	}
	switch {
	case has("ts_stat$", "ts_rewrite$", "query_to_", "cursor_to_", "dblink"):
		return classRunsSQL
	case strings.Contains(name, "xml") || has("xpath"):
		return classXML
	case has("lo_", "loread$", "lowrite$"):
		return classLargeObject
	case has("pg_advisory", "pg_try_advisory"):
		return classAdvisoryLock
	case has("pg_stat_reset", "pg_stat_statements_reset", "pg_stat_force_next_flush$", "pg_stat_clear_snapshot$"):
		return classStatsReset
	case has("pg_stat_get_activity$", "pg_stat_get_backend_", "pg_stat_get_progress_info$", "pg_stat_get_wal_receiver$",
		"pg_stat_get_wal_senders$", "pg_stat_get_subscription$", "pg_blocking_pids$", "pg_safe_snapshot_blocking_pids$",
		"pg_lock_status$", "pg_prepared_xact$", "pg_isolation_test_session_is_blocked$",
		// A pooler shares one server connection between clients: what is
		// prepared or open on it may be another client's.
		"pg_prepared_statement$", "pg_cursor$"):
		return classSessions
	case has("pg_cancel_backend$", "pg_terminate_backend$", "pg_reload_conf$", "pg_rotate_logfile", "pg_notify$",
		"pg_log_backend_memory_contexts$", "pg_promote$", "pg_wal_replay_", "pg_switch_wal$", "pg_create_restore_point$",
		"pg_backup_", "pg_start_backup$", "pg_stop_backup$", "pg_import_system_collations$", "pg_nextoid$",
		"pg_stop_making_pinned_objects$", "binary_upgrade_", "pg_extension_config_dump$"):
		return classServer
	case has("pg_create_physical_replication_slot$", "pg_create_logical_replication_slot$", "pg_drop_replication_slot$",
		"pg_copy_", "pg_replication_slot_advance$", "pg_logical_", "pg_replication_origin_"):
		return classReplication
	case has("setseed$"):
		return classSeed
	case has("txid_current$", "pg_current_xact_id$"):
		return classXID
	case has("brin_summarize_", "brin_desummarize_range$", "gin_clean_pending_list$"):
		return classIndex
	case has("set_config$"):
		return classSettings
	case has("pg_read_file", "pg_read_binary_file", "pg_ls_", "pg_stat_file$", "pg_file_", "pg_current_logfile$",
		"pg_hba_file_rules$", "pg_ident_file_mappings$", "pg_show_all_file_settings$"):
		return classFiles
	case has("nextval$", "setval$"):
		return classSequence
	case !isFunc:
		return classKeyword
	case volatile && volatileAllowed[name] == "":
		return classVolatile
	}
	return classAllowed
}

// buildCatalog reads the server's built-in functions (oid below
// FirstNormalObjectId, so an installed extension never counts) and
// keywords, and returns the table catalog_gen.go must hold.
func buildCatalog(tb testing.TB, conn *pgx.Conn) string {
	tb.Helper()
	ctx := context.Background()
	type entry struct {
		isFunc, volatile bool
		kw               byte
	}
	entries := map[string]*entry{}
	rows, err := conn.Query(ctx, `SELECT CASE n.nspname WHEN 'pg_catalog' THEN p.proname ELSE n.nspname || '.' || p.proname END,
		bool_or(p.provolatile = 'v')
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE p.oid < 16384 AND n.nspname IN ('pg_catalog', 'information_schema') GROUP BY 1`)
	if err != nil {
		tb.Fatal(err)
	}
	for rows.Next() {
		var name string
		var volatile bool
		if err := rows.Scan(&name, &volatile); err != nil {
			tb.Fatal(err)
		}
		entries[name] = &entry{isFunc: true, volatile: volatile, kw: '-'}
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	rows, err = conn.Query(ctx, `SELECT word, catcode::text FROM pg_get_keywords()`)
	if err != nil {
		tb.Fatal(err)
	}
	for rows.Next() {
		var word, cat string
		if err := rows.Scan(&word, &cat); err != nil {
			tb.Fatal(err)
		}
		e := entries[word]
		if e == nil {
			e = &entry{}
			entries[word] = e
		}
		e.kw = cat[0]
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		e := entries[n]
		if strings.ContainsAny(n, " \n") {
			tb.Fatalf("built-in name %q holds a separator", n)
		}
		fmt.Fprintf(&b, "%s %c%c\n", n, classify(strings.TrimPrefix(n, "information_schema."), e.isFunc, e.volatile), e.kw)
	}
	return b.String()
}

// indexArray returns, for each byte b, the offset of the first line of
// table whose first byte is >= b, and len(table) at 256.
func indexArray(table string) [257]uint32 {
	var idx [257]uint32
	off, b := 0, 0
	for _, l := range strings.SplitAfter(table, "\n") {
		if l == "" {
			break
		}
		for ; b <= int(l[0]); b++ {
			idx[b] = uint32(off)
		}
		off += len(l)
	}
	for ; b <= 256; b++ {
		idx[b] = uint32(len(table))
	}
	return idx
}

func indexOf(table string) string {
	idx := indexArray(table)
	parts := make([]string, len(idx))
	for i, v := range idx {
		parts[i] = strconv.Itoa(int(v))
	}
	return strings.Join(parts, ", ")
}

func serverMajor(tb testing.TB, conn *pgx.Conn) string {
	var v string
	if err := conn.QueryRow(context.Background(), "SELECT current_setting('server_version_num')").Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v[:len(v)-4]
}

// TestCatalog checks catalog_gen.go against the running server: it fails
// when the table is stale (another major version, a changed
// classification). With -update it rewrites the file.
func TestCatalog(t *testing.T) {
	conn := oracle(t)
	want := buildCatalog(t, conn)
	major := serverMajor(t, conn)
	if *update {
		src := fmt.Sprintf("// Code generated by go test ./sqlguard -run TestCatalog -update; DO NOT EDIT.\n\n"+
			"package sqlguard\n\n// catalogMajor is the PostgreSQL major version the table was read from.\n"+
			"const catalogMajor = %q\n\n"+
			"// builtins holds PostgreSQL's built-in function names and keywords, sorted,\n"+
			"// one a line: the name, a space, its class (catalog.go), and its keyword\n"+
			"// category from pg_get_keywords() ('-' for none).\n", major)
		src += "\n// builtinIndex[b] is the offset of the first line of builtins whose name\n" +
			"// starts with a byte >= b: the search starts within one first byte.\n" +
			"var builtinIndex = [257]uint32{" + indexOf(want) + "}\n\n"
		src += "const builtins = \"\" +\n"
		lines := strings.SplitAfter(want, "\n")
		lines = lines[:len(lines)-1]
		for i, l := range lines {
			src += "\t" + strconv.Quote(l)
			if i < len(lines)-1 {
				src += " +"
			}
			src += "\n"
		}
		if err := os.WriteFile("catalog_gen.go", []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if major != catalogMajor {
		t.Fatalf("catalog_gen.go was read from PostgreSQL %s, the server is %s: run go test ./sqlguard -run TestCatalog -update", catalogMajor, major)
	}
	if want != builtins || indexOf(want) != indexOf(builtins) || fmt.Sprint(builtinIndex[:]) != fmt.Sprint(indexArray(want)) {
		t.Fatal("catalog_gen.go is stale for this server: run go test ./sqlguard -run TestCatalog -update and review the diff")
	}
}

// TestNoHiddenCalls checks what the screener cannot see: built-in
// operators, casts, type input and modifier functions and aggregate
// support functions run functions without naming them. Each must be an
// allowed one, save those of the xml type, which is refused by name.
func TestNoHiddenCalls(t *testing.T) {
	conn := oracle(t)
	rows, err := conn.Query(context.Background(), `
		SELECT 'operator ' || o.oprname, p.proname FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode WHERE o.oid < 16384
		UNION ALL SELECT 'cast to ' || c.casttarget::regtype, p.proname FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc WHERE c.oid < 16384
		UNION ALL SELECT 'type input ' || t.typname, p.proname FROM pg_type t JOIN pg_proc p ON p.oid IN (t.typinput, t.typmodin) WHERE t.oid < 16384
		UNION ALL SELECT 'aggregate ' || a.aggfnoid::regproc, p.proname FROM pg_aggregate a JOIN pg_proc p
			ON p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn) WHERE a.aggfnoid < 16384`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var via, fn string
		if err := rows.Scan(&via, &fn); err != nil {
			t.Fatal(err)
		}
		n++
		if class, _ := lookupBuiltin(fn); class != classAllowed && !strings.Contains(via+fn, "xml") {
			t.Errorf("%s runs %s (class %c): the screener cannot see that call", via, fn, class)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Fatalf("only %d hidden calls read: the query is wrong", n)
	}
}

// TestCatalogListsAreCurrent: every allow-listed volatile function exists
// and is volatile (else its entry is dead), and every refused relation is
// refused and exists on the server, save pg_stat_statements' (an extension).
func TestCatalogListsAreCurrent(t *testing.T) {
	conn := oracle(t)
	ctx := context.Background()
	for name := range volatileAllowed {
		var volatile bool
		err := conn.QueryRow(ctx, `SELECT bool_or(provolatile = 'v') FROM pg_proc WHERE proname = $1 AND oid < 16384 HAVING count(*) > 0`, name).Scan(&volatile)
		if err != nil || !volatile {
			t.Errorf("volatileAllowed[%q]: not a volatile built-in on this server (%v)", name, err)
		}
	}
	for _, rel := range []string{"pg_stat_activity", "pg_stat_statements", "pg_stat_statements_info", "pg_locks",
		"pg_stat_replication", "pg_stat_wal_receiver", "pg_stat_subscription", "pg_stat_ssl", "pg_stat_gssapi",
		"pg_stat_progress_analyze", "pg_stat_progress_basebackup", "pg_stat_progress_cluster", "pg_stat_progress_copy",
		"pg_stat_progress_create_index", "pg_stat_progress_vacuum", "pg_prepared_xacts", "pg_prepared_statements",
		"pg_cursors", "pg_largeobject"} {
		if refusedRelation(rel) == "" {
			t.Errorf("%s is not refused", rel)
		}
		if strings.HasPrefix(rel, "pg_stat_statements") {
			continue
		}
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname = $1 AND relnamespace = 'pg_catalog'::regnamespace`, rel).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d relations in pg_catalog (%v)", rel, n, err)
		}
	}
}
