package sqlguard

import (
	"errors"
	"strings"
	"unicode/utf8"
)

type tokenKind int

const (
	tokWord        tokenKind = iota // bare keyword or identifier, ASCII lower-cased
	tokQuotedIdent                  // "..." or U&"..." identifier
	tokString                       // any string literal, continuations included
	tokNumber
	tokParam // $1
	tokSemicolon
	tokPunct // any other operator or punctuation, one byte at a time
)

// String literal modes, as scan.l's start conditions name them.
const (
	modePlain   = 'q' // '...' (standard_conforming_strings on) and N'...'
	modeEscape  = 'e' // E'...': backslash escapes
	modeUnicode = 'u' // U&'...'
	modeBit     = 'b' // B'...'
	modeHex     = 'x' // X'...'
	modeDollar  = '$' // $tag$...$tag$
)

type token struct {
	kind  tokenKind
	text  string // lower-cased for words, the name for quoted identifiers, the raw text otherwise
	start int    // offset of the token in the source
	end   int    // offset just past the token
	mode  byte   // string literals: one of the mode constants
}

var (
	errUnterminatedString  = errors.New("unterminated string literal")
	errUnterminatedIdent   = errors.New("unterminated quoted identifier")
	errEmptyIdent          = errors.New("zero-length quoted identifier")
	errUnterminatedComment = errors.New("unterminated /* comment")
	errUnterminatedDollar  = errors.New("unterminated dollar-quoted string")
	errNumberJunk          = errors.New("trailing junk after numeric literal")
	errParamJunk           = errors.New("trailing junk after parameter")
	errNUL                 = errors.New("the statement contains a NUL byte")
)

// namedatalen is PostgreSQL's NAMEDATALEN: identifiers are truncated to
// one byte less.
const namedatalen = 64

// lex splits sql into tokens, dropping whitespace and comments. It follows
// PostgreSQL 15's scan.l wherever the answer changes where a literal, a
// comment or an identifier ends, and assumes standard_conforming_strings is
// on (doc.go says why). It is a scanner, not a parser.
func lex(sql string) ([]token, error) {
	if strings.IndexByte(sql, 0) >= 0 {
		// The protocol ends a query string at NUL: the server would read
		// less than was screened.
		return nil, errNUL
	}
	toks := make([]token, 0, len(sql)/4+1)
	i, n := 0, len(sql)
	for i < n {
		c := sql[i]
		switch {
		case isSpace(c):
			i++
		case c == '-' && i+1 < n && sql[i+1] == '-':
			i = skipLineComment(sql, i)
		case c == '/' && i+1 < n && sql[i+1] == '*':
			end, err := skipBlockComment(sql, i)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '\'':
			end, err := scanString(sql, i+1, modePlain)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, text: sql[i:end], start: i, end: end, mode: modePlain})
			i = end
		// Prefixed literals and identifiers: scan.l only sees a prefix at the
		// start of a token, and an identifier before it (abcE'...') has
		// already taken the letter, because identifiers are scanned whole.
		case i+1 < n && sql[i+1] == '\'' && strings.IndexByte("eEbBxXnN", c) >= 0:
			mode := byte(modePlain) // N'...' is an ordinary literal after the NCHAR keyword
			switch c | 0x20 {
			case 'e':
				mode = modeEscape
			case 'b':
				mode = modeBit
			case 'x':
				mode = modeHex
			}
			end, err := scanString(sql, i+2, mode)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, text: sql[i:end], start: i, end: end, mode: mode})
			i = end
		case (c == 'u' || c == 'U') && i+2 < n && sql[i+1] == '&' && sql[i+2] == '\'':
			end, err := scanString(sql, i+3, modeUnicode)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, text: sql[i:end], start: i, end: end, mode: modeUnicode})
			i = end
		case (c == 'u' || c == 'U') && i+2 < n && sql[i+1] == '&' && sql[i+2] == '"':
			name, end, err := scanQuotedIdent(sql, i+2)
			if err != nil {
				return nil, err
			}
			// The name stays escaped: decoding needs the UESCAPE clause
			// that may follow, so callers treat it as opaque.
			toks = append(toks, token{kind: tokQuotedIdent, text: "U&" + name, start: i, end: end})
			i = end
		case c == '"':
			name, end, err := scanQuotedIdent(sql, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokQuotedIdent, text: truncateIdent(name), start: i, end: end})
			i = end
		case c == '$':
			if tag, ok := dollarTag(sql, i); ok {
				close := strings.Index(sql[i+len(tag):], tag)
				if close < 0 {
					return nil, errUnterminatedDollar
				}
				end := i + len(tag) + close + len(tag)
				toks = append(toks, token{kind: tokString, text: sql[i:end], start: i, end: end, mode: modeDollar})
				i = end
				continue
			}
			j := i + 1
			for j < n && isDigit(sql[j]) {
				j++
			}
			if j > i+1 {
				if j < n && isIdentStart(sql[j]) {
					return nil, errParamJunk
				}
				toks = append(toks, token{kind: tokParam, text: sql[i:j], start: i, end: j})
			} else {
				toks = append(toks, token{kind: tokPunct, text: "$", start: i, end: j})
			}
			i = j
		case c == ';':
			toks = append(toks, token{kind: tokSemicolon, text: ";", start: i, end: i + 1})
			i++
		case isDigit(c) || (c == '.' && i+1 < n && isDigit(sql[i+1])):
			end, err := scanNumber(sql, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokNumber, text: sql[i:end], start: i, end: end})
			i = end
		case isIdentStart(c):
			j := i + 1
			for j < n && isIdentCont(sql[j]) {
				j++
			}
			toks = append(toks, token{kind: tokWord, text: truncateIdent(asciiLower(sql[i:j])), start: i, end: j})
			i = j
		default:
			toks = append(toks, token{kind: tokPunct, text: sql[i : i+1], start: i, end: i + 1})
			i++
		}
	}
	return toks, nil
}

// isSpace is scan.l's {space}: PostgreSQL 15 does not count \v (it does
// from 16 on; the oracle test pins the version's answer).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// isNewline is scan.l's {newline}: a -- comment ends at either.
func isNewline(c byte) bool { return c == '\n' || c == '\r' }

func skipLineComment(sql string, i int) int {
	for i < len(sql) && !isNewline(sql[i]) {
		i++
	}
	return i
}

func skipBlockComment(sql string, i int) (int, error) {
	depth := 0
	n := len(sql)
	for i < n {
		switch {
		case sql[i] == '/' && i+1 < n && sql[i+1] == '*':
			depth++
			i += 2
		case sql[i] == '*' && i+1 < n && sql[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i, nil
			}
		default:
			i++
		}
	}
	return 0, errUnterminatedComment
}

// scanString returns the offset just past the literal whose body starts at
// sql[i] (just after the opening quote), continuations included: a closing
// quote followed by whitespace that holds a newline and then another quote
// continues the same literal, in the same mode (scan.l's xqs state returns
// to the state it came from).
func scanString(sql string, i int, mode byte) (int, error) {
	n := len(sql)
	for j := i; j < n; j++ {
		switch sql[j] {
		case '\\':
			if mode == modeEscape {
				j++ // any escape takes at least the next byte
			}
		case '\'':
			// B'' and X'' bodies are [^']*: a doubled quote ends the literal
			// (and starts another); in the others it is an escaped quote.
			if mode != modeBit && mode != modeHex && j+1 < n && sql[j+1] == '\'' {
				j++
				continue
			}
			if next, ok := continuation(sql, j+1); ok {
				j = next // the loop's j++ steps past the opening quote
				continue
			}
			return j + 1, nil
		}
	}
	return 0, errUnterminatedString
}

// continuation reports whether sql[i:] starts with scan.l's
// {whitespace_with_newline}{quote}: horizontal space and -- comments, a
// newline, then any mix of space and newline-terminated -- comments, then a
// quote. It returns the offset of that quote.
func continuation(sql string, i int) (int, bool) {
	n := len(sql)
	sawNewline := false
	for i < n {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\f':
			i++
		case isNewline(c):
			sawNewline = true
			i++
		case c == '-' && i+1 < n && sql[i+1] == '-':
			i = skipLineComment(sql, i)
			// Before the newline a comment is {horiz_whitespace}; after
			// it, {special_whitespace} wants the comment's own newline.
			if sawNewline && i >= n {
				return 0, false
			}
		case c == '\'':
			return i, sawNewline
		default:
			return 0, false
		}
	}
	return 0, false
}

// scanQuotedIdent returns the name inside the "..." that opens at sql[i]
// and the offset just past it.
func scanQuotedIdent(sql string, i int) (string, int, error) {
	n := len(sql)
	var b strings.Builder
	from := i + 1
	for j := i + 1; j < n; j++ {
		if sql[j] != '"' {
			continue
		}
		if j+1 < n && sql[j+1] == '"' {
			b.WriteString(sql[from : j+1])
			j++
			from = j + 1
			continue
		}
		b.WriteString(sql[from:j])
		if b.Len() == 0 {
			return "", 0, errEmptyIdent
		}
		return b.String(), j + 1, nil
	}
	return "", 0, errUnterminatedIdent
}

// scanNumber follows PostgreSQL 15's numeric rules: digits, a fraction, an
// exponent, and an error when an identifier character follows (15 made
// "123abc" an error instead of "123 AS abc").
func scanNumber(sql string, i int) (int, error) {
	n := len(sql)
	j := i
	for j < n && isDigit(sql[j]) {
		j++
	}
	if j < n && sql[j] == '.' && !(j+1 < n && sql[j+1] == '.') {
		j++
		for j < n && isDigit(sql[j]) {
			j++
		}
	}
	if j < n && (sql[j] == 'e' || sql[j] == 'E') {
		k := j + 1
		if k < n && (sql[k] == '+' || sql[k] == '-') {
			k++
		}
		if k < n && isDigit(sql[k]) {
			for k < n && isDigit(sql[k]) {
				k++
			}
			j = k
		} else {
			return 0, errNumberJunk
		}
	}
	if j < n && isIdentStart(sql[j]) {
		return 0, errNumberJunk
	}
	return j, nil
}

// dollarTag reports the opening tag ($$ or $name$) of a dollar-quoted string
// starting at sql[i]. A tag is an identifier without '$'; "$1" is a
// parameter because a tag may not start with a digit.
func dollarTag(sql string, i int) (string, bool) {
	j := i + 1
	if j < len(sql) && sql[j] == '$' {
		return "$$", true
	}
	if j >= len(sql) || !isIdentStart(sql[j]) {
		return "", false
	}
	for j < len(sql) && isIdentChar(sql[j]) {
		j++
	}
	if j < len(sql) && sql[j] == '$' {
		return sql[i : j+1], true
	}
	return "", false
}

// asciiLower lower-cases ASCII letters only, as PostgreSQL does for
// unquoted identifiers in UTF-8 (strings.ToLower would fold letters such
// as the Kelvin sign into ASCII and name a different function).
func asciiLower(s string) string {
	for k := 0; k < len(s); k++ {
		if s[k] >= 'A' && s[k] <= 'Z' {
			b := []byte(s)
			for ; k < len(b); k++ {
				if b[k] >= 'A' && b[k] <= 'Z' {
					b[k] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// truncateIdent cuts a name to NAMEDATALEN-1 bytes on a UTF-8 character
// boundary, as the server does, so that a long name is screened as the
// name the server will look up.
func truncateIdent(s string) string {
	if len(s) < namedatalen {
		return s
	}
	k := namedatalen - 1
	for k > 0 && s[k]&0xC0 == 0x80 {
		k--
	}
	return s[:k]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }

// isIdentCont is scan.l's {ident_cont}: identifiers may hold '$'.
func isIdentCont(c byte) bool { return isIdentChar(c) || c == '$' }

// decodeUnicode decodes the body of a U&'...' literal or U&"..." name
// with escape character esc (doubled, if not 0, is a quote still doubled in
// s), as the server
// does after the lexer: esc followed by 4 hex digits, or by + and 6, or by
// itself.
func decodeUnicode(s string, esc, doubled byte) (string, error) {
	var b []byte
	pending := rune(0) // a high surrogate waiting for its pair
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == doubled && doubled != 0 {
			i++
		}
		if c != esc {
			if pending != 0 {
				return "", errors.New("invalid Unicode surrogate pair")
			}
			b = append(b, c)
			continue
		}
		var r rune
		switch {
		case i+1 < len(s) && s[i+1] == esc:
			if pending != 0 {
				return "", errors.New("invalid Unicode surrogate pair")
			}
			b = append(b, esc)
			i++
			continue
		case i+1 < len(s) && s[i+1] == '+':
			v, ok := hexRun(s, i+2, 6)
			if !ok {
				return "", errors.New("invalid Unicode escape")
			}
			r = rune(v)
			i += 7
		default:
			v, ok := hexRun(s, i+1, 4)
			if !ok {
				return "", errors.New("invalid Unicode escape")
			}
			r = rune(v)
			i += 4
		}
		switch {
		case pending != 0:
			if r < 0xDC00 || r > 0xDFFF {
				return "", errors.New("invalid Unicode surrogate pair")
			}
			b = utf8.AppendRune(b, 0x10000+(pending-0xD800)<<10+(r-0xDC00))
			pending = 0
		case r >= 0xD800 && r <= 0xDBFF:
			pending = r
		case (r >= 0xDC00 && r <= 0xDFFF) || r == 0 || r > 0x10FFFF:
			return "", errors.New("invalid Unicode escape value")
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	if pending != 0 {
		return "", errors.New("invalid Unicode surrogate pair")
	}
	return string(b), nil
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'a':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

func hexRun(s string, i, n int) (rune, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := rune(0)
	for k := i; k < i+n; k++ {
		if !isHex(s[k]) {
			return 0, false
		}
		v = v*16 + rune(hexVal(s[k]))
	}
	return v, true
}
