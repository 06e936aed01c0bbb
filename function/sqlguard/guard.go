package sqlguard

import (
	"fmt"
	"strconv"
	"strings"
)

// Rejection codes: what kind of mistake the agent made.
const (
	// CodeSyntaxError: the statement cannot be read (an unterminated
	// literal, a bad placeholder), is empty, or starts with a word that
	// starts no statement (a typo such as "selec").
	CodeSyntaxError = "syntax_error"
	// CodeStatementNotAllowed: a statement other than one read query
	// (writes, DDL, settings, several statements, row locks), or a read of
	// a view that shows other sessions.
	CodeStatementNotAllowed = "statement_not_allowed"
	// CodeFunctionNotAllowed: a call of a function that is volatile,
	// unknown (not built in), or in a refused class, or the xml type.
	CodeFunctionNotAllowed = "function_not_allowed"
)

// Rejection explains why a statement was refused. Code is one of the Code
// constants; Message is written for the agent that sent the statement.
type Rejection struct {
	Code    string
	Message string
}

func (r *Rejection) Error() string { return r.Message }

func reject(code, format string, args ...any) *Rejection {
	return &Rejection{Code: code, Message: fmt.Sprintf(format, args...)}
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

const readQueries = "only read queries are allowed (SELECT, WITH, VALUES, TABLE)"

// readStarts are the only words a statement may start with.
var readStarts = map[string]bool{"select": true, "with": true, "values": true, "table": true}

// statementWords are the words that start PostgreSQL's other statements,
// with what each is, for a message of the form "INSERT is a write".
var statementWords = map[string]string{
	"insert": "a write", "update": "a write", "delete": "a write", "merge": "a write",
	"upsert": "a write", "truncate": "a write",
	"create": "DDL", "alter": "DDL", "drop": "DDL", "comment": "DDL", "grant": "DDL",
	"revoke": "DDL", "security": "DDL", "reindex": "DDL", "cluster": "DDL", "vacuum": "maintenance",
	"analyze": "maintenance", "analyse": "maintenance", "refresh": "DDL", "import": "DDL", "reassign": "DDL",
	"lock": "a lock", "copy": "COPY",
	"set": "a session setting", "reset": "a session setting", "show": "a session setting (use current_setting())",
	"discard": "a session setting", "load": "a library load",
	"listen": "LISTEN/NOTIFY", "notify": "LISTEN/NOTIFY", "unlisten": "LISTEN/NOTIFY",
	"do": "procedural code", "call": "a procedure call",
	"prepare": "a prepared statement", "execute": "a prepared statement", "deallocate": "a prepared statement",
	"begin": "transaction control", "start": "transaction control", "commit": "transaction control",
	"rollback": "transaction control", "abort": "transaction control", "end": "transaction control",
	"savepoint": "transaction control", "release": "transaction control",
	"checkpoint": "server control", "declare": "a cursor", "fetch": "a cursor", "move": "a cursor",
	"close": "a cursor", "explain": "EXPLAIN (it can run the statement)",
}

// innerWords may not appear anywhere in a query: they turn a SELECT into a
// write (data-modifying CTEs, SELECT INTO) or take row locks (FOR UPDATE).
var innerWords = map[string]string{
	"insert": "a write (INSERT)", "update": "a write or a row lock (UPDATE)",
	"delete": "a write (DELETE)", "merge": "a write (MERGE)", "into": "SELECT INTO (it creates a table)",
	"truncate": "a write (TRUNCATE)", "copy": "COPY",
}

// Check screens sql: exactly one read query, calling only functions known
// to be harmless. A refusal is a *Rejection.
func Check(sql string) (Statement, error) {
	toks, err := lex(sql)
	if err != nil {
		return Statement{}, reject(CodeSyntaxError, "cannot read the statement: %v", err)
	}
	// Trailing semicolons end the one statement; any other one starts a second.
	for len(toks) > 0 && toks[len(toks)-1].kind == tokSemicolon {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return Statement{}, reject(CodeSyntaxError, "the statement is empty")
	}
	if r := checkStart(toks); r != nil {
		return Statement{}, r
	}
	maxParam, depth := 0, 0
	parens := closers{toks: toks}
	for i, t := range toks {
		switch t.kind {
		case tokPunct:
			// The connector runs the statement as a subquery: a ')' with no
			// '(' would close the wrapper and escape its LIMIT.
			switch t.text {
			case "(":
				depth++
			case ")":
				if depth--; depth < 0 {
					return Statement{}, reject(CodeSyntaxError, "unbalanced parentheses: a ')' closes nothing")
				}
			}
		case tokSemicolon:
			return Statement{}, reject(CodeStatementNotAllowed, "exactly one statement is allowed; a second one starts after ';'")
		case tokParam:
			n, err := strconv.Atoi(t.text[1:])
			if err != nil || n < 1 || n > 65535 {
				return Statement{}, reject(CodeSyntaxError, "invalid placeholder %s: placeholders are $1 to $65535", t.text)
			}
			maxParam = max(maxParam, n)
		case tokWord:
			if what, ok := innerWords[t.text]; ok {
				return Statement{}, reject(CodeStatementNotAllowed, "the query may not contain %s", what)
			}
			if t.text == "for" && i+1 < len(toks) && toks[i+1].kind == tokWord {
				switch toks[i+1].text {
				case "share", "no", "key":
					return Statement{}, reject(CodeStatementNotAllowed, "row locks (FOR %s) are not allowed", strings.ToUpper(toks[i+1].text))
				}
			}
			fallthrough
		case tokQuotedIdent:
			if r := checkName(toks, i, &parens); r != nil {
				return Statement{}, r
			}
		}
	}
	if depth != 0 {
		return Statement{}, reject(CodeSyntaxError, "unbalanced parentheses: %d '(' not closed", depth)
	}
	end := toks[len(toks)-1].end
	return Statement{SQL: strings.Trim(sql[:end], " \t\n\r\f"), Params: maxParam}, nil
}

// checkStart refuses anything but a read query by its first word.
func checkStart(toks []token) *Rejection {
	for _, t := range toks {
		if t.kind == tokPunct && t.text == "(" {
			continue
		}
		if t.kind != tokWord {
			return reject(CodeSyntaxError, "%s; the statement starts with %q", readQueries, clip(t.text))
		}
		if readStarts[t.text] {
			return nil
		}
		if what, ok := statementWords[t.text]; ok {
			return reject(CodeStatementNotAllowed, "%s; %s is %s", readQueries, strings.ToUpper(t.text), what)
		}
		return reject(CodeSyntaxError, "%q starts no statement PostgreSQL knows; %s", strings.ToUpper(clip(t.text)), readQueries)
	}
	return reject(CodeSyntaxError, "%s; the statement holds only parentheses", readQueries)
}

// clip shortens text quoted in a message, on a UTF-8 boundary.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	k := 40
	for k > 0 && s[k]&0xC0 == 0x80 {
		k--
	}
	return s[:k] + "…"
}

// checkName screens the name at toks[i]: a call, a type, a relation, or an
// attribute. Functions are allowed by name only when the generated catalog
// says the built-in is harmless; PostgreSQL resolves the overload, the
// screener refuses a name if any overload is refused.
func checkName(toks []token, i int, parens *closers) *Rejection {
	t := toks[i]
	name := t.text
	quoted := t.kind == tokQuotedIdent
	call := i+1 < len(toks) && isPunct(toks[i+1], "(")
	if quoted && strings.HasPrefix(name, "U&") {
		// U&"\0073et_config" spells a name with escapes, and a UESCAPE
		// clause after it may change the escape character.
		esc, next := byte('\\'), i+1
		if next+1 < len(toks) && isWord(toks[next], "uescape") && toks[next+1].kind == tokString {
			e := toks[next+1].text
			if toks[next+1].mode != modePlain || len(e) != 3 {
				return reject(CodeSyntaxError, "invalid UESCAPE %s: it takes one character in plain quotes", clip(e))
			}
			esc, next = e[1], next+2
		}
		if next < len(toks) && isPunct(toks[next], "(") {
			// No honest query calls a function by an escaped name.
			return reject(CodeFunctionNotAllowed, "calling a function by a Unicode-escaped name (U&\"...\") is not allowed")
		}
		decoded, err := decodeUnicode(name[2:], esc, 0)
		if err != nil {
			return reject(CodeSyntaxError, "cannot read the Unicode-escaped name %s: %v", clip(name), err)
		}
		name, call = truncateIdent(decoded), false
	}
	if why := refusedRelation(name); why != "" {
		return reject(CodeStatementNotAllowed, "%s is not readable here: it shows %s, and every agent shares this role", name, why)
	}
	if name == "xml" || name == "_xml" {
		// As a type it parses its input in libxml. The screener cannot
		// tell the type from a column or alias of that name, so it refuses
		// the name; such a column is still read with t.*.
		return reject(CodeFunctionNotAllowed, "the xml type is not allowed: %s (a column named xml is read with t.*)", refusedWhy(classXML))
	}
	// Qualified names: [catalog.]schema.name.
	schema, first := "", i
	if i >= 2 && isPunct(toks[i-1], ".") && isName(toks[i-2]) {
		schema, first = toks[i-2].text, i-2
		if i >= 4 && isPunct(toks[i-3], ".") && isName(toks[i-4]) {
			first = i - 4
		}
	}
	key := name
	switch schema {
	case "", "pg_catalog":
	case "information_schema":
		key = schema + "." + name
	default:
		key = "" // another schema's function is never a built-in
	}
	if !call {
		// t.f is f(t) when t has no column f ("attribute notation"): a
		// refused built-in may not be named after a dot either.
		if c, ok := lookupBuiltin(name); ok && isRefused(c) && i >= 1 && isPunct(toks[i-1], ".") {
			return reject(CodeFunctionNotAllowed, "the function %s is not allowed: %s", name, refusedWhy(c))
		}
		return nil
	}
	class, known := lookupBuiltin(key)
	switch {
	case known && isRefused(class):
		return reject(CodeFunctionNotAllowed, "the function %s is not allowed: %s", qualified(schema, name), refusedWhy(class))
	case known && class == classAllowed:
		return nil
	case known && class == classKeyword && !quoted && schema == "":
		return nil // grammar such as EXISTS (, OVER (, FILTER (
	case notACall(toks, first, i, parens):
		return nil
	}
	return reject(CodeFunctionNotAllowed, "the function %s is not allowed: only PostgreSQL's built-in immutable and stable functions (and a short allow-list) may be called, and it is not one", qualified(schema, name))
}

// notACall reports the places where name( is not a function call: a type
// with a modifier (x::vector(3), CAST(x AS vector(3)), vector(3) '...'),
// a table alias with column names (generate_series(1, 3) AS g(i),
// unnest(a) u(x)), and a WITH query with column names.
func notACall(toks []token, first, i int, parens *closers) bool {
	if first >= 1 {
		p := toks[first-1]
		switch {
		case p.kind == tokWord && p.text == "as":
			return true
		case isPunct(p, ")"):
			return true
		case isPunct(p, ":") && first >= 2 && isPunct(toks[first-2], ":") && toks[first-2].end == p.start:
			return true
		}
	}
	close := parens.of(i + 1)
	if close < 0 {
		return false
	}
	if close+1 < len(toks) && toks[close+1].kind == tokString {
		return true // type 'literal'
	}
	// WITH name (col, ...) AS [NOT] [MATERIALIZED] (SELECT ...
	if first >= 1 && (isWord(toks[first-1], "with") || isWord(toks[first-1], "recursive") || isPunct(toks[first-1], ",")) {
		for k := i + 2; k < close; k++ {
			if !isName(toks[k]) && !isPunct(toks[k], ",") {
				return false
			}
		}
		k := close + 1
		if k >= len(toks) || !isWord(toks[k], "as") {
			return false
		}
		k++
		if k < len(toks) && isWord(toks[k], "not") {
			k++
		}
		if k < len(toks) && isWord(toks[k], "materialized") {
			k++
		}
		if k+1 < len(toks) && isPunct(toks[k], "(") {
			n := toks[k+1]
			return isPunct(n, "(") || isWord(n, "select") || isWord(n, "values") || isWord(n, "with") || isWord(n, "table")
		}
	}
	return false
}

// closers finds the ')' that closes a '(' in one pass over the tokens,
// built on first use: a scan per call would make nested calls quadratic.
type closers struct {
	toks []token
	idx  []int32 // idx[k] for a '(' at k: its ')' or -1
}

func (c *closers) of(open int) int {
	if c.idx == nil {
		c.idx = make([]int32, len(c.toks))
		var stack []int32
		for k, t := range c.toks {
			c.idx[k] = -1
			switch {
			case isPunct(t, "("):
				stack = append(stack, int32(k))
			case isPunct(t, ")") && len(stack) > 0:
				c.idx[stack[len(stack)-1]] = int32(k)
				stack = stack[:len(stack)-1]
			}
		}
	}
	return int(c.idx[open])
}

func isRefused(class byte) bool {
	return class != classAllowed && class != classKeyword
}

func isPunct(t token, s string) bool { return t.kind == tokPunct && t.text == s }

func isWord(t token, s string) bool { return t.kind == tokWord && t.text == s }

func isName(t token) bool { return t.kind == tokWord || t.kind == tokQuotedIdent }

func qualified(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}
