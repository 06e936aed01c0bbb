package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// JSON to core requests, shared by the adapters: REST bodies and MCP tool
// arguments are the same objects.

// Request limits.
const (
	maxParams   = 100
	maxArrayLen = 1000
)

// queryInput is a query as JSON: {"sql": "...", "params": [...], "max_rows": n}.
type queryInput struct {
	SQL     string            `json:"sql"`
	Params  []json.RawMessage `json:"params"`
	MaxRows *int              `json:"max_rows"`
}

// parseQuery parses a query object; what names it in messages ("the request
// body", "the arguments object").
func parseQuery(raw []byte, what string) (QueryRequest, *Error) {
	var in queryInput
	if e := decodeStrict(raw, &in, what, `"sql", "params" and "max_rows"`); e != nil {
		return QueryRequest{}, e
	}
	args, e := decodeParams(in.Params)
	if e != nil {
		return QueryRequest{}, e
	}
	return QueryRequest{SQL: in.SQL, Params: args, MaxRows: in.MaxRows}, nil
}

// decodeStrict decodes exactly one JSON object into v: valid UTF-8, known
// fields only, nothing after it. Messages name JSON fields and JSON kinds,
// never Go types.
func decodeStrict(raw []byte, v any, what, fields string) *Error {
	// encoding/json would quietly replace invalid UTF-8; refuse it instead.
	if !utf8.Valid(raw) {
		return newError(CodeInvalidJSON, what+" is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return newError(CodeInvalidJSON, what+" is invalid: "+jsonProblem(err, fields))
	}
	if _, err := dec.Token(); err != io.EOF {
		return newError(CodeInvalidJSON, what+" holds more than one JSON value")
	}
	return nil
}

// jsonProblem says what is wrong in JSON terms.
func jsonProblem(err error, fields string) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return "it must be a JSON object with " + fields
		}
		return fmt.Sprintf("%q must be %s (got %s)", te.Field, jsonKind(te.Type), te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.EOF):
		return "it is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + f + "; the fields are " + fields
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonKind names a Go type as the JSON it is decoded from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a JSON value"
}

// decodeParams turns JSON params into values pgx can send.
func decodeParams(params []json.RawMessage) ([]any, *Error) {
	if len(params) > maxParams {
		return nil, newError(CodeInvalidParams, fmt.Sprintf("at most %d params are allowed", maxParams))
	}
	args := make([]any, len(params))
	for i, p := range params {
		v, err := decodeParam(p, true)
		if err != nil {
			return nil, newError(CodeInvalidParams, fmt.Sprintf("params[%d]: %v", i, err))
		}
		args[i] = v
	}
	return args, nil
}

// decodeParam turns one JSON param into a value pgx can send: a scalar, or
// (at the top level) an array of scalars for "= ANY($1)".
func decodeParam(raw json.RawMessage, top bool) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("empty value")
	}
	switch raw[0] {
	case 'n':
		return nil, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, errors.New("not a valid JSON value")
		}
		return b, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("not a valid JSON string")
		}
		return s, nil
	case '[':
		if !top {
			return nil, errors.New("nested arrays are not supported")
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, errors.New("not a valid JSON array")
		}
		if len(items) > maxArrayLen {
			return nil, fmt.Errorf("arrays may hold at most %d items", maxArrayLen)
		}
		// Sent as text[]: the server casts it to the column's array type.
		out := make([]*string, len(items))
		for i, it := range items {
			v, err := decodeParam(it, false)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			if v != nil {
				s := fmt.Sprint(v)
				out[i] = &s
			}
		}
		return out, nil
	case '{':
		return nil, errors.New("objects are not supported; pass JSON as a string and cast it ($1::jsonb)")
	default:
		// Numbers keep their exact text; the server parses them for the
		// parameter's type, so no float rounding happens here.
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, errors.New("not a valid JSON number")
		}
		return string(n), nil
	}
}
