package sqlguard

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The oracle (doc.go explains it): the server runs the input as sent and
// the screener's reading of it, re-rendered so that nothing is left to
// interpret; the two must give the same answer.

// oracleURLEnv hands the coordinator's cluster to fuzz worker processes,
// which inherit the environment: one cluster per fuzz run, not per worker.
const oracleURLEnv = "SQLGUARD_ORACLE_URL"

var (
	oracleOnce    sync.Once
	oracleConn    *pgx.Conn
	oracleErr     error
	oracleCluster *pgtest.Cluster
)

// oracle returns a connection to a PostgreSQL 15 server: the one named by
// SQLGUARD_ORACLE_URL, or a throwaway cluster started for this process.
func oracle(tb testing.TB) *pgx.Conn {
	tb.Helper()
	oracleOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		url := os.Getenv(oracleURLEnv)
		if url == "" {
			if oracleCluster, oracleErr = pgtest.Start(ctx, pgtest.Options{}); oracleErr != nil {
				return
			}
			url = oracleCluster.AgentURL
			os.Setenv(oracleURLEnv, url)
		}
		if oracleConn, oracleErr = pgx.Connect(ctx, url); oracleErr != nil {
			return
		}
		var v string
		if oracleErr = oracleConn.QueryRow(ctx, "SELECT current_setting('server_version_num')").Scan(&v); oracleErr == nil && !strings.HasPrefix(v, "15") {
			oracleErr = fmt.Errorf("the oracle wants PostgreSQL 15 (the version the screener follows), got %s", v)
		}
		if oracleErr == nil {
			_, oracleErr = oracleConn.Exec(ctx, "SET statement_timeout = '5s'")
		}
	})
	if oracleErr != nil {
		tb.Fatalf("oracle server: %v", oracleErr)
	}
	return oracleConn
}

func TestMain(m *testing.M) {
	code := m.Run()
	if oracleConn != nil {
		oracleConn.Close(context.Background())
	}
	if oracleCluster != nil {
		oracleCluster.Stop()
	}
	os.Exit(code)
}

// outcome is what the server answered: an error, or the rows as text.
type outcome struct {
	err   string // SQLSTATE and message, with the position-dependent part cut
	cols  int
	names []string // column names: they show how a U&"..." alias was decoded
	rows  [][]*string
}

func (o outcome) String() string {
	if o.err != "" {
		return "error " + o.err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d columns %q:", o.cols, o.names)
	for _, r := range o.rows {
		for _, v := range r {
			if v == nil {
				b.WriteString(" NULL")
			} else {
				fmt.Fprintf(&b, " %q", *v)
			}
		}
	}
	return b.String()
}

// nearRE cuts what depends on the source text rather than on the tokens:
// the raw text of the token a syntax error is reported at.
var nearRE = regexp.MustCompile(`(?s) at or near ".*"$| at end of input$`)

func run(conn *pgx.Conn, sql string) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The extended protocol, text results: one statement only, as the
	// connector runs it.
	res := conn.PgConn().ExecParams(ctx, sql, nil, nil, nil, nil).Read()
	if res.Err != nil {
		var pe *pgconn.PgError
		if errors.As(res.Err, &pe) {
			return outcome{err: pe.Code + " " + nearRE.ReplaceAllString(pe.Message, "")}
		}
		return outcome{err: "client: " + res.Err.Error()}
	}
	o := outcome{cols: len(res.FieldDescriptions)}
	for _, f := range res.FieldDescriptions {
		o.names = append(o.names, f.Name)
	}
	for _, r := range res.Rows {
		row := make([]*string, len(r))
		for i, v := range r {
			if v != nil {
				s := string(v)
				row[i] = &s
			}
		}
		o.rows = append(o.rows, row)
	}
	return o
}

// render returns the screener's reading of sql as SQL that leaves the
// server nothing to decide: comments gone, every literal rewritten as the
// plain standard literal of the value the screener read (bit strings as
// B'...' or X'...'), code tokens as they were. It fails where the screener
// refuses to read the input or cannot decode a literal.
func render(sql string) (string, error) {
	toks, err := lex(sql)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	prevEnd := 0
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		// Whitespace or a comment kept tokens apart; a rewritten literal
		// must not run into its neighbour ('a''b' is one literal).
		if b.Len() > 0 && (t.start > prevEnd || t.kind == tokString || (k > 0 && toks[k-1].kind == tokString)) {
			b.WriteByte(' ')
		}
		prevEnd = t.end
		if t.kind == tokQuotedIdent && strings.HasPrefix(t.text, "U&") {
			esc := byte('\\')
			if k+2 < len(toks) && isWord(toks[k+1], "uescape") && toks[k+2].kind == tokString {
				e := toks[k+2].text
				if toks[k+2].mode != modePlain || len(e) != 3 || strings.ContainsAny(e[1:2], "0123456789abcdefABCDEF+'\" \t\n\r\f") {
					return "", errors.New("invalid UESCAPE")
				}
				esc = e[1]
				k += 2
				prevEnd = toks[k].end
			}
			name, err := decodeUnicode(t.text[2:], esc, 0)
			if err != nil {
				return "", err
			}
			if !utf8.ValidString(name) {
				return "", errors.New("name is not valid text")
			}
			b.WriteString(`"` + strings.ReplaceAll(truncateIdent(name), `"`, `""`) + `"`)
			continue
		}
		switch t.kind {
		case tokQuotedIdent:
			// The name as the screener will look it up: cut at 63 bytes.
			b.WriteString(`"` + strings.ReplaceAll(t.text, `"`, `""`) + `"`)
			continue
		case tokWord:
			// Folded in ASCII and cut, as the screener compares it.
			b.WriteString(t.text)
			continue
		case tokString:
		default:
			b.WriteString(sql[t.start:t.end])
			continue
		}
		parts, err := literalParts(sql, t)
		if err != nil {
			return "", err
		}
		var v string
		switch t.mode {
		case modeBit, modeHex:
			b.WriteByte(t.mode - 'a' + 'A')
			b.WriteString("'" + strings.Join(parts, "") + "'")
			continue
		case modePlain, modeDollar:
			v = strings.Join(parts, "")
		case modeEscape:
			if v, err = decodeEscape(strings.Join(parts, "")); err != nil {
				return "", err
			}
		case modeUnicode:
			esc := byte('\\')
			// UESCAPE 'c' belongs to the literal (the parser joins them).
			if k+2 < len(toks) && toks[k+1].kind == tokWord && toks[k+1].text == "uescape" && toks[k+2].kind == tokString {
				ep, err := literalParts(sql, toks[k+2])
				if err != nil {
					return "", err
				}
				e := strings.Join(ep, "")
				if toks[k+2].mode != modePlain || len(e) != 1 || strings.ContainsAny(e, "0123456789abcdefABCDEF+'\" \t\n\r\f") {
					return "", errors.New("invalid UESCAPE")
				}
				esc = e[0]
				k += 2
				prevEnd = toks[k].end
			}
			if v, err = decodeUnicode(strings.Join(parts, ""), esc, '\''); err != nil {
				return "", err
			}
		}
		if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
			return "", errors.New("literal is not valid text")
		}
		if sql[t.start] == 'n' || sql[t.start] == 'N' {
			b.WriteByte('N')
		}
		b.WriteString("'" + strings.ReplaceAll(v, "'", "''") + "'")
	}
	return b.String(), nil
}

// literalParts returns the bodies of a literal token's parts with doubled
// quotes still doubled for E'...' and U&'...' (their decoders undo them) and
// undone for the others.
func literalParts(sql string, t token) ([]string, error) {
	raw := sql[t.start:t.end]
	if t.mode == modeDollar {
		tag := raw[:strings.IndexByte(raw[1:], '$')+2]
		return []string{raw[len(tag) : len(raw)-len(tag)]}, nil
	}
	i := strings.IndexByte(raw, '\'') + 1
	var parts []string
	for {
		var b strings.Builder
		for {
			c := raw[i]
			if c == '\\' && t.mode == modeEscape {
				b.WriteString(raw[i : i+2])
				i += 2
				continue
			}
			if c == '\'' {
				if t.mode != modeBit && t.mode != modeHex && i+1 < len(raw) && raw[i+1] == '\'' {
					if t.mode == modeEscape || t.mode == modeUnicode {
						b.WriteString("''")
					} else {
						b.WriteByte('\'')
					}
					i += 2
					continue
				}
				break
			}
			b.WriteByte(c)
			i++
		}
		parts = append(parts, b.String())
		next, ok := continuation(raw, i+1)
		if !ok {
			if i+1 != len(raw) {
				return nil, fmt.Errorf("literal token %q ends early", raw)
			}
			return parts, nil
		}
		i = next + 1
	}
}

// decodeEscape decodes an E'...' body as scan.l's xe rules do.
func decodeEscape(s string) (string, error) {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' { // doubled
			b = append(b, '\'')
			i++
			continue
		}
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		c = s[i]
		switch {
		case c >= '0' && c <= '7':
			v, k := 0, 0
			for k < 3 && i+k < len(s) && s[i+k] >= '0' && s[i+k] <= '7' {
				v = v*8 + int(s[i+k]-'0')
				k++
			}
			b = append(b, byte(v))
			i += k - 1
		case c == 'x' && i+1 < len(s) && isHex(s[i+1]):
			v, k := 0, 1
			for k <= 2 && i+k < len(s) && isHex(s[i+k]) {
				v = v*16 + hexVal(s[i+k])
				k++
			}
			b = append(b, byte(v))
			i += k - 1
		case c == 'u' || c == 'U':
			width := 4
			if c == 'U' {
				width = 8
			}
			r, ok := hexRun(s, i+1, width)
			if !ok {
				return "", errors.New("invalid Unicode escape")
			}
			i += width
			if r >= 0xD800 && r <= 0xDBFF {
				if i+2 >= len(s) || s[i+1] != '\\' || (s[i+2] != 'u' && s[i+2] != 'U') {
					return "", errors.New("invalid Unicode surrogate pair")
				}
				w2 := 4
				if s[i+2] == 'U' {
					w2 = 8
				}
				lo, ok := hexRun(s, i+3, w2)
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return "", errors.New("invalid Unicode surrogate pair")
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				i += 2 + w2
			} else if (r >= 0xDC00 && r <= 0xDFFF) || r == 0 || r > 0x10FFFF {
				return "", errors.New("invalid Unicode escape value")
			}
			b = utf8.AppendRune(b, rune(r))
		case c == 'b':
			b = append(b, '\b')
		case c == 'f':
			b = append(b, '\f')
		case c == 'n':
			b = append(b, '\n')
		case c == 'r':
			b = append(b, '\r')
		case c == 't':
			b = append(b, '\t')
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

// agree runs one input through the oracle and reports a divergence.
func agree(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	got := run(conn, sql)
	canon, err := render(sql)
	if err != nil {
		if got.err == "" {
			t.Fatalf("the screener cannot read %q (%v), but PostgreSQL runs it: %v", sql, err, got)
		}
		return
	}
	want := run(conn, canon)
	if got.String() != want.String() {
		t.Fatalf("the screener reads %q differently from PostgreSQL\nscreener's reading: %q\nserver on the input:   %v\nserver on the reading: %v", sql, canon, got, want)
	}
}

// chooser turns fuzz bytes into generator choices.
type chooser struct{ b []byte }

func (c *chooser) pick(n int) int {
	if len(c.b) == 0 {
		return 0
	}
	v := int(c.b[0]) % n
	c.b = c.b[1:]
	return v
}

func (c *chooser) from(opts ...string) string { return opts[c.pick(len(opts))] }

// Fragments the generator mixes: characters that end or start literals and
// comments, and the separators scan.l treats specially.
var (
	safeChars    = []string{"a", " ", "\n", "\r", "\t", "\f", "\v", "-", "--", "*", "/", "/*", "*/", "$", ",", "1", "0", "é", ";", "&", "!", "E", "\\\\", `\x41`, `\101`, `\u0041`, `\0041`, `\+000041`}
	hostileChars = []string{"'", "''", `\`, `\'`, "$a$", "$$", `"`, "e'", "U&'", "--'", "\n'"}
	gaps         = []string{"", " ", "\n", "\r", "\r\n", "\t", "\f", "\v", " -- c\n", " --c\r", "--\n", "/* c */", "/* /* c */ */", "/*/ c */", "/**/", " -- '\n", " /* ' */ "}
	contGaps     = []string{"\n", " \n ", "\r", " -- c\n", "--'\n", "\n-- c\n", "\n--c\r ", "\r\n\t", "\v\n", "\n\v", " /* */\n", "\n/* */", "  ", "\n\n", " -- c", "\n -- c"}
	tags         = []string{"", "a", "A", "ab", "_1", "a1", "é", "1", "a$"}
)

func (c *chooser) body(max int) string {
	var b strings.Builder
	for n := c.pick(max + 1); n > 0; n-- {
		if c.pick(6) == 0 {
			b.WriteString(c.from(hostileChars...))
		} else {
			b.WriteString(c.from(safeChars...))
		}
	}
	return b.String()
}

// literal is one literal, possibly continued: the mode of the first part
// is what the continuation must keep.
func (c *chooser) literal() string {
	var b strings.Builder
	unicode := false
	switch c.pick(10) {
	case 0, 1, 2:
		b.WriteString("'" + c.body(6) + "'")
	case 3, 4:
		b.WriteString(c.from("E", "e") + "'" + c.body(6) + "'")
	case 5:
		b.WriteString(c.from("U&", "u&") + "'" + c.body(6) + "'")
		unicode = true
	case 6:
		b.WriteString(c.from("B", "X", "N", "b", "x") + "'" + c.from("", "0", "1", "01", "f", "'", "a") + "'")
	case 7:
		tag := "$" + c.from(tags...) + "$"
		return tag + c.body(6) + tag
	case 8:
		// A type name glued to a literal: the letters belong to the name.
		return c.from("text", "texte", "textE", "int4", "bpcharu&", "name", "text") + c.from("", " ") + "'" + c.body(4) + "'"
	default:
		// Numbers, and operators that hold a comment start.
		return c.from("1", "2.5", ".5", "1e3", "1", "1", "2", "1e", "1x", "1..2", "$1a", "3$a$") +
			c.from(" *--c\n", " +/* */", "-/**/-", " */* c */", " *--\r", "+--x\n", " - -- c\n") + c.from("2", "3", ".5", "1e2")
	}
	for n := c.pick(5) - 2; n > 0; n-- {
		g := c.pick(len(contGaps) * 2)
		if g < len(contGaps) {
			b.WriteString(contGaps[g])
		} else {
			b.WriteString(contGaps[g%5]) // mostly real continuations
		}
		b.WriteString(c.from("'", "'", "'", "'", "E'") + c.body(5) + "'")
	}
	if unicode && c.pick(3) == 0 {
		b.WriteString(c.from(" ", "\n", " -- c\n", "/**/") + "UESCAPE" + c.from(" ", "\n") + "'" + c.from("!", "!", "\\", "+", "a", "''", "!!") + "'")
	}
	return b.String()
}

// generate builds SELECT <item>, <item>, ... with comments, odd whitespace
// and operators that hold comment starts between and around the items.
func generate(data []byte) string {
	c := &chooser{b: data}
	var b strings.Builder
	b.WriteString(c.from("SELECT ", "SELECT\n", "SELECT--x\r", "SELECT/*x*/"))
	for n := c.pick(4) + 1; n > 0; n-- {
		b.WriteString(c.literal())
		switch c.pick(8) {
		case 0, 1:
			b.WriteString(c.from(" ||--\n", " || ", "||/* */", " ||--\r") + c.literal())
		case 2:
			b.WriteString(c.from("", " ", "\n") + c.from(" AS ", " ") + c.from(`"a""b"`, `U&"\0061"`, `x`, `"a"`, `"a"`, `x`, `"`, `""`, `U&"!0061!!b" UESCAPE '!'`, `U&"\+01F600\\"`, `u&"a\d83d\de00"`, `U&"\0000"`, `U&"a""\0022"`))
		}
		b.WriteString(c.from("", " ", "", "\n", " ", c.from(gaps...)))
		if n > 1 {
			b.WriteString(c.from(",", ",", ",", ",", ",", ",", ";", ""))
			b.WriteString(c.from("", " ", c.from(gaps...)))
		}
	}
	return b.String()
}

// oracleRegressions are divergences the oracle found, and the findings of
// the security review, kept as fixed inputs.
var oracleRegressions = []string{
	"SELECT 1 -- x\r, 2",
	"SELECT E'a'\n'\\'' , 2 --'",
	"SELECT E'a' -- c\n'\\'' , 2 --'",
	"SELECT 'a'\n-- c\n'b', 2",
	"SELECT 'a' /* c */\n'b'",
	"SELECT U&'a'\n'b\\0041' UESCAPE '!'",
	"SELECT U&'!0041'\n'!0042' UESCAPE '!'",
	"SELECT B'1'', 2, '",
	"SELECT texte'\\', 2, '\\'",
	"SELECT text E'\\'', 2",
	"SELECT 1 *--x\n2",
	"SELECT 2 */* c */ 3",
	"SELECT $a$ $b$ , $a$",
	"SELECT $a$x$$b$a$",
	"SELECT 1\v",
	"SELECT 'a'\v\n'b'",
	"SELECT 1x",
	"SELECT 1e",
	"SELECT 3$a$",
	"SELECT $1a",
	"SELECT 'a'\r'b'",
	"SELECT 'a' -- c",
	"SELECT 'a'\n--c",
	"SELECT E'\\u0041\\U0001F600\\x41\\101\\q'",
	"SELECT /*/ x */ 1",
	"SELECT 1 /* /* */ , 2 */",
	`SELECT 1 AS U&"!0061!!b" UESCAPE '!', 2 AS U&"\+01F600\\", 3 AS u&"a\d83d\de00"`,
	`SELECT 1 AS U&"a""\0022"`,
	`SELECT 1 AS U&"\0000"`,
	`SELECT 1 AS U&"x" UESCAPE '+'`,
	`SELECT 1 AS "` + strings.Repeat("é", 40) + `"`,
	"SELECT 1 AS " + strings.Repeat("a", 70),
	"SELECT 1 AS ÉtÉ, 2 AS \u212Aelvin, 3 AS MiXeD",
	"SELECT 1 AS x$a$, 2 AS y -- $a$",
	"SELECT 1 AS é$$, 2 AS z $$ , 3 $$",
	"SELECT 1 AS a, 2 AS \"b\"\"$$\" , $$ -- $$ AS c",
	"SELECT 1)E'\\'', 2",
	"SELECT 1 AS n, N'a'\n'b' AS m, n'c' AS o",
	"SELECT X'1f'\n'0' AS h, b'1'\r'0' AS bb",
}

func TestOracleRegressions(t *testing.T) {
	conn := oracle(t)
	for _, sql := range oracleRegressions {
		t.Run(strconv.Quote(sql), func(t *testing.T) { agree(t, conn, sql) })
	}
}

// TestOracleGenerated is the count-bounded differential run that every
// `go test` does: the same generator as FuzzOracle, from a fixed seed.
func TestOracleGenerated(t *testing.T) {
	conn := oracle(t)
	rng := rand.New(rand.NewPCG(15, 10))
	n := 1500
	if testing.Short() {
		n = 200
	}
	ran := 0
	for i := range n {
		data := make([]byte, 64)
		for k := range data {
			data[k] = byte(rng.Uint32())
		}
		sql := generate(data)
		t.Run(strconv.Itoa(i), func(t *testing.T) { agree(t, conn, sql) })
		if run(conn, sql).err == "" {
			ran++
		}
	}
	// An oracle whose inputs all fail proves little: most must run.
	if ran*6 < n {
		t.Errorf("only %d of %d generated inputs ran without error", ran, n)
	}
	t.Logf("%d generated inputs, %d ran without error", n, ran)
}

// FuzzOracle is the differential fuzz target (make fuzz): the fuzzer's
// bytes drive the generator, PostgreSQL decides.
func FuzzOracle(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x02\x00\x03\x04\x05\x06\x07\x08"))
	f.Add([]byte("\x03\x01\x04\x01\x05\x09\x02\x06\x05\x03\x05"))
	conn := oracle(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, conn, generate(data))
	})
}

// TestRenderIsIdentityOnPlainSQL guards the oracle itself: on SQL that has
// nothing to decode, the reading is the input.
func TestRenderIsIdentityOnPlainSQL(t *testing.T) {
	for _, sql := range []string{"select 1, 'a''b' , x::text", "select a <= b and c != d"} {
		got, err := render(sql)
		if err != nil || got != sql {
			t.Errorf("render(%q) = %q, %v", sql, got, err)
		}
	}
}
