package connector

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// resultEncoder writes the answer as it reads rows, straight from the
// server's text format: no per-value Go decoding, and a hard byte bound.
type resultEncoder struct {
	buf       bytes.Buffer
	kinds     []valueKind
	limit     int
	rows      int
	truncated bool
	// reason says why the result was cut: "max_rows", "max_result_bytes"
	// or "row_too_large" (one row over the byte cap).
	reason   string
	rowStart int
}

type valueKind uint8

const (
	kindString valueKind = iota
	kindNumber
	kindBool
	kindJSON
)

func newResultEncoder(tm *pgtype.Map, fields []pgconn.FieldDescription, limit int) *resultEncoder {
	e := &resultEncoder{limit: limit, kinds: make([]valueKind, len(fields))}
	e.buf.WriteString(`{"columns":[`)
	for i, f := range fields {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		name := "oid:" + strconv.FormatUint(uint64(f.DataTypeOID), 10)
		if t, ok := tm.TypeForOID(f.DataTypeOID); ok {
			name = t.Name
		}
		e.buf.WriteString(`{"name":`)
		appendString(&e.buf, f.Name)
		e.buf.WriteString(`,"type":`)
		appendString(&e.buf, name)
		e.buf.WriteByte('}')
		e.kinds[i] = kindOf(f.DataTypeOID)
	}
	e.buf.WriteString(`],"rows":[`)
	return e
}

func kindOf(oid uint32) valueKind {
	switch oid {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.OIDOID, pgtype.Float4OID, pgtype.Float8OID, pgtype.NumericOID:
		return kindNumber
	case pgtype.BoolOID:
		return kindBool
	case pgtype.JSONOID, pgtype.JSONBOID:
		return kindJSON
	}
	return kindString
}

// addRow appends one row; false means the byte limit was reached and the
// row was left out.
func (e *resultEncoder) addRow(vals [][]byte) bool {
	e.rowStart = e.buf.Len()
	if e.rows > 0 {
		e.buf.WriteByte(',')
	}
	e.buf.WriteByte('[')
	for i, v := range vals {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		switch {
		case v == nil:
			e.buf.WriteString("null")
		case e.kinds[i] == kindBool:
			if len(v) > 0 && v[0] == 't' {
				e.buf.WriteString("true")
			} else {
				e.buf.WriteString("false")
			}
		case e.kinds[i] == kindNumber && isJSONNumber(v):
			e.buf.Write(v)
		case e.kinds[i] == kindJSON:
			e.buf.Write(v)
		default:
			appendString(&e.buf, string(v))
		}
		if e.buf.Len() > e.limit {
			e.buf.Truncate(e.rowStart)
			return false
		}
	}
	e.buf.WriteByte(']')
	e.rows++
	return true
}

// truncate marks the result as cut, for reason.
func (e *resultEncoder) truncate(reason string) {
	e.truncated, e.reason = true, reason
}

func (e *resultEncoder) finish() []byte {
	e.buf.WriteString(`],"row_count":`)
	e.buf.WriteString(strconv.Itoa(e.rows))
	if e.truncated {
		e.buf.WriteString(`,"truncated":true,"truncated_reason":"`)
		e.buf.WriteString(e.reason)
		e.buf.WriteString(`"}`)
	} else {
		e.buf.WriteString(`,"truncated":false}`)
	}
	return e.buf.Bytes()
}

// isJSONNumber rejects NaN and Infinity, which numeric and float columns can
// hold but JSON cannot; those are sent as strings.
func isJSONNumber(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	c := v[0]
	if c == '-' && len(v) > 1 {
		c = v[1]
	}
	return c >= '0' && c <= '9'
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string. Invalid UTF-8 (possible in
// SQL_ASCII databases) becomes U+FFFD, as encoding/json does.
func appendString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript parsers.
		if r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			b.WriteString(`\u202`)
			b.WriteByte(hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
