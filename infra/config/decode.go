package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// decoder reads engine-style strings with type checks.
type decoder struct {
	src     Source
	v       *Problems
	bad     map[string]bool // keys whose value was rejected
	typeErr bool            // a value could not be read as its type
}

func (d *decoder) raw(key string) (string, bool) {
	s, ok := d.src.Values[Namespace+":"+key]
	return s, ok
}

// fail records a value that cannot be read as its type (or is not one of its values).
func (d *decoder) fail(key string, value any, allowed string) {
	d.reject(key, value, allowed)
	d.typeErr = true
}

// reject records a problem with key and ignores its value from here on.
func (d *decoder) reject(key string, value any, allowed string) {
	if d.bad == nil {
		d.bad = map[string]bool{}
	}
	d.bad[key] = true
	d.v.Add(key, value, allowed)
}

// checkKeys rejects unknown keys in the project namespace and plain-text secrets.
func (d *decoder) checkKeys() {
	var keys []string
	for k := range d.src.FileKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	declared := make([]string, 0, len(d.src.Declared))
	for name := range d.src.Declared {
		declared = append(declared, name)
	}
	sort.Strings(declared)
	for _, k := range keys {
		ns, name, _ := strings.Cut(k, ":")
		if ns != Namespace {
			// Provider config such as aws:region belongs to the provider; any other
			// namespace is read by nobody here, most often a misspelt project name.
			if !providerNamespaces[ns] {
				d.v.Add(k, raw("(not shown)"), fmt.Sprintf("a key nobody reads: this program reads %s:* and the provider keys of %s; did you mean %s:%s?",
					Namespace, strings.Join(sortedKeys(providerNamespaces), ", "), Namespace, name))
			}
			continue
		}
		if _, ok := d.src.Declared[name]; !ok {
			allowed := "a key declared in Pulumi.yaml (" + strings.Join(declared, ", ") + ")"
			if near := closest(name, declared); near != "" {
				allowed = fmt.Sprintf("unknown key; did you mean %s:%s? Keys are declared in Pulumi.yaml", Namespace, near)
			}
			d.v.Add(name, d.src.Values[k], allowed)
		}
	}
	for _, name := range declared {
		if !d.src.Declared[name].Secret {
			continue
		}
		k := Namespace + ":" + name
		if d.src.PlainInFile[k] {
			d.reject(name, raw("(plain text, not shown)"), fmt.Sprintf(
				"a secret: remove it from the stack file and run `pulumi config set --secret %s <value> -s %s`", name, d.stackName()))
		} else if _, set := d.src.Values[k]; set && !d.src.Secret[k] {
			d.reject(name, raw("(plain text, not shown)"), "a secret: set it with `pulumi config set --secret` or a secret store")
		}
	}
}

// failRaw records a problem whose value is shown as written (JSON of an object field).
func (d *decoder) failRaw(key, value, allowed string) {
	d.fail(key, raw(value), allowed)
}

func (d *decoder) str(key, def string, check func(string) string) string {
	s, ok := d.raw(key)
	if !ok {
		return def
	}
	if check != nil {
		if allowed := check(s); allowed != "" {
			// A value outside its set, not a type error: keep validating the rest,
			// so every problem of the stack is listed at once.
			d.reject(key, s, allowed)
			return def
		}
	}
	return s
}

func (d *decoder) integer(key string, def int) int {
	s, ok := d.raw(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		d.fail(key, s, "an integer")
		return def
	}
	return n
}

func (d *decoder) secret(key string) Secret {
	s, ok := d.raw(key)
	if !ok || d.bad[key] {
		return Secret{}
	}
	return newSecret(s)
}

// object decodes a JSON object strictly into out (a pointer to a struct): unknown
// fields and wrong types are problems naming the key path, e.g. azure.plann.
func (d *decoder) object(key string, out any) {
	s, ok := d.raw(key)
	if !ok {
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &fields); err != nil {
		d.fail(key, s, "an object (a YAML mapping of settings)")
		return
	}
	rv := reflect.ValueOf(out).Elem()
	known := jsonFields(rv.Type())
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	knownNames := make([]string, 0, len(known))
	for n := range known {
		knownNames = append(knownNames, n)
	}
	sort.Strings(knownNames)
	for _, f := range names {
		idx, ok := known[f]
		if !ok {
			allowed := "unknown setting; allowed: " + strings.Join(knownNames, ", ")
			if len(knownNames) == 0 {
				allowed = "unknown setting: this section has no settings yet"
			}
			if near := closest(f, knownNames); near != "" {
				allowed = fmt.Sprintf("unknown setting; did you mean %s.%s?", key, near)
			}
			d.reject(key+"."+f, raw(fields[f]), allowed)
			continue
		}
		fv := rv.Field(idx)
		if fv.Kind() == reflect.String && isJSONNumber(fields[f]) {
			// `pulumi config set --path database.engineVersion 16` writes a number
			// ("integers are treated as numbers" with --path): take its digits.
			fv.SetString(string(fields[f]))
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(fields[f]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(fv.Addr().Interface()); err != nil {
			d.failRaw(key+"."+f, string(fields[f]), typeWord(fv.Type()))
		}
	}
}

func jsonFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = i
	}
	return m
}

func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(typeWord(t.Elem()), "an "), "a ") + "s"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return "a " + t.String()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// stackName is the stack the config belongs to, for the commands in messages: a
// stack file given with --file may be named anything.
func (d *decoder) stackName() string {
	if d.src.Stack != "" {
		return d.src.Stack
	}
	return stackOf(d.src.File)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// providerNamespaces are the providers whose config a stack file may carry.
var providerNamespaces = map[string]bool{"aws": true, "gcp": true, "azure-native": true, "pulumi": true}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func isJSONNumber(b json.RawMessage) bool {
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return false
	}
	n, ok := x.(json.Number)
	return ok && n != ""
}
