package sqlguard

import (
	"errors"
	"strings"
)

type tokenKind int

const (
	tokWord        tokenKind = iota // bare keyword or identifier, lower-cased
	tokQuotedIdent                  // "..." identifier
	tokString                       // any string literal
	tokNumber
	tokParam // $1
	tokSemicolon
	tokPunct // any other operator or punctuation
)

type token struct {
	kind tokenKind
	text string // lower-cased for words; the raw text otherwise
	end  int    // offset just past the token in the source
}

var (
	errUnterminatedString  = errors.New("unterminated string literal")
	errUnterminatedIdent   = errors.New("unterminated quoted identifier")
	errUnterminatedComment = errors.New("unterminated block comment")
	errUnterminatedDollar  = errors.New("unterminated dollar-quoted string")
)

// lex splits sql into tokens, dropping whitespace and comments. It is a
// scanner, not a parser: just enough of PostgreSQL's lexical rules to know
// where literals, identifiers, comments and statement ends are.
func lex(sql string) ([]token, error) {
	var toks []token
	i, n := 0, len(sql)
	for i < n {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < n && sql[i+1] == '-':
			for i < n && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && sql[i+1] == '*':
			end, err := skipBlockComment(sql, i)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '\'':
			end, err := skipString(sql, i, false)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, sql[i:end], end})
			i = end
		case (c == 'e' || c == 'E') && i+1 < n && sql[i+1] == '\'':
			end, err := skipString(sql, i+1, true)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, sql[i:end], end})
			i = end
		case (c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') && i+1 < n && sql[i+1] == '\'':
			end, err := skipString(sql, i+1, false)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, sql[i:end], end})
			i = end
		case (c == 'u' || c == 'U') && i+2 < n && sql[i+1] == '&' && (sql[i+2] == '\'' || sql[i+2] == '"'):
			// U&'...' and U&"..." use standard quoting rules.
			if sql[i+2] == '\'' {
				end, err := skipString(sql, i+2, false)
				if err != nil {
					return nil, err
				}
				toks = append(toks, token{tokString, sql[i:end], end})
				i = end
			} else {
				end, err := skipQuotedIdent(sql, i+2)
				if err != nil {
					return nil, err
				}
				toks = append(toks, token{tokQuotedIdent, sql[i:end], end})
				i = end
			}
		case c == '"':
			end, err := skipQuotedIdent(sql, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokQuotedIdent, sql[i:end], end})
			i = end
		case c == '$':
			if tag, ok := dollarTag(sql, i); ok {
				close := strings.Index(sql[i+len(tag):], tag)
				if close < 0 {
					return nil, errUnterminatedDollar
				}
				end := i + len(tag) + close + len(tag)
				toks = append(toks, token{tokString, sql[i:end], end})
				i = end
				continue
			}
			j := i + 1
			for j < n && isDigit(sql[j]) {
				j++
			}
			if j > i+1 {
				toks = append(toks, token{tokParam, sql[i:j], j})
			} else {
				toks = append(toks, token{tokPunct, "$", j})
			}
			i = j
		case c == ';':
			toks = append(toks, token{tokSemicolon, ";", i + 1})
			i++
		case isDigit(c) || (c == '.' && i+1 < n && isDigit(sql[i+1])):
			j := i + 1
			for j < n && (isIdentChar(sql[j]) || sql[j] == '.') {
				j++
			}
			toks = append(toks, token{tokNumber, sql[i:j], j})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < n && (isIdentChar(sql[j]) || sql[j] == '$') {
				j++
			}
			toks = append(toks, token{tokWord, strings.ToLower(sql[i:j]), j})
			i = j
		default:
			toks = append(toks, token{tokPunct, sql[i : i+1], i + 1})
			i++
		}
	}
	return toks, nil
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

// skipString returns the index just past the literal that opens at sql[i]
// ('). With backslash set (E” strings) a backslash escapes the next byte.
func skipString(sql string, i int, backslash bool) (int, error) {
	n := len(sql)
	for j := i + 1; j < n; j++ {
		switch sql[j] {
		case '\\':
			if backslash {
				j++
			}
		case '\'':
			if j+1 < n && sql[j+1] == '\'' {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	return 0, errUnterminatedString
}

func skipQuotedIdent(sql string, i int) (int, error) {
	n := len(sql)
	for j := i + 1; j < n; j++ {
		if sql[j] == '"' {
			if j+1 < n && sql[j+1] == '"' {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	return 0, errUnterminatedIdent
}

// dollarTag reports the opening tag ($$ or $name$) of a dollar-quoted string
// starting at sql[i].
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

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }
