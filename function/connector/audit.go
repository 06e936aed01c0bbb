package connector

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// keyID names an API key in logs without revealing it: the first 8 hex
// digits of its SHA-256. Keys are long and random, so this cannot be turned
// back into the key, and it still tells keys apart during a rotation.
func keyID(key string) string {
	d := sha256.Sum256([]byte(key))
	return hex.EncodeToString(d[:4])
}

// fingerprint is a short hash of a statement with its literals, comments,
// case and spacing taken out, so the same query with other values gets the
// same fingerprint and the log never holds the values themselves.
func fingerprint(sql string) string {
	if sql == "" {
		return ""
	}
	d := sha256.Sum256([]byte(normalizeSQL(sql)))
	return hex.EncodeToString(d[:8])
}

// normalizeSQL lowercases everything outside quoted identifiers, replaces
// string, dollar-quoted and numeric literals with ?, drops comments and
// collapses whitespace. It is a fingerprint, not a parser: odd input gives
// an odd but stable result.
func normalizeSQL(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	emit := func(str string) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(str)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			space = true
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			space = true
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			depth := 0
			for i < len(s) {
				if strings.HasPrefix(s[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(s[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
			space = true
		case c == '\'':
			i = skipQuoted(s, i, '\'')
			emit("?")
		case c == '"':
			j := skipQuoted(s, i, '"')
			emit(s[i:j])
			i = j
		case c == '$' && i+1 < len(s) && (s[i+1] == '$' || isIdentStart(s[i+1])):
			j := i + 1
			for j < len(s) && s[j] != '$' && isIdentPart(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '$' {
				tag := s[i : j+1]
				if end := strings.Index(s[j+1:], tag); end >= 0 {
					i = j + 1 + end + len(tag)
				} else {
					i = len(s)
				}
				emit("?")
				continue
			}
			emit(strings.ToLower(s[i:j]))
			i = j
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9'):
			j := i
			for j < len(s) && (isIdentPart(s[j]) || s[j] == '.') {
				j++
			}
			emit("?")
			i = j
		case isIdentStart(c):
			j := i
			for j < len(s) && (isIdentPart(s[j]) || s[j] == '$') {
				j++
			}
			// E'...' and friends: the prefix belongs to the literal.
			if j < len(s) && s[j] == '\'' && j-i <= 2 {
				i = skipQuoted(s, j, '\'')
				emit("?")
				continue
			}
			emit(strings.ToLower(s[i:j]))
			i = j
		default:
			emit(string(c))
			i++
		}
	}
	return b.String()
}

// skipQuoted returns the index after the quoted run starting at s[i]; a
// doubled quote stays inside, and so does a backslash-escaped one.
func skipQuoted(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if q == '\'' {
				j++
			}
		case q:
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
