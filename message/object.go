package message

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// object is a decoded JSON object that remembers the order of its members,
// so that problems can be reported in the order the request lists them.
type object struct {
	keys []string
	vals map[string]json.RawMessage
}

// decodeObject decodes raw if it is a JSON object. Of duplicate members the
// last value wins, as with encoding/json.
func decodeObject(raw json.RawMessage) (object, bool) {
	if lead(raw) != '{' {
		return object{}, false
	}

	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return object{}, false
	}

	o := object{vals: map[string]json.RawMessage{}}
	for dec.More() {
		tok, err := dec.Token()
		key, isKey := tok.(string)
		var v json.RawMessage
		if err != nil || !isKey || dec.Decode(&v) != nil {
			return object{}, false
		}
		if _, seen := o.vals[key]; !seen {
			o.keys = append(o.keys, key)
		}
		o.vals[key] = v
	}

	return o, true
}

// get returns member k, treating null like an absent member.
func (o object) get(k string) (json.RawMessage, bool) {
	v, ok := o.vals[k]
	if !ok || isNull(v) {
		return nil, false
	}

	return v, true
}

// has reports whether member k is present and not null.
func (o object) has(k string) bool {
	_, ok := o.get(k)
	return ok
}

// str returns member k if it is a string, or "".
func (o object) str(k string) string {
	s, _ := asString(o.vals[k])
	return s
}

// lead returns the first non-space byte of raw, or 0.
func lead(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}

	return raw[0]
}

func isNull(raw []byte) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func isEmptyString(raw []byte) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte(`""`))
}

func asString(raw []byte) (string, bool) {
	var s string
	if lead(raw) != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}

	return s, true
}

func asNumber(raw []byte) (float64, bool) {
	var f float64
	b := lead(raw)
	if (b != '-' && (b < '0' || b > '9')) || json.Unmarshal(raw, &f) != nil {
		return 0, false
	}

	return f, true
}

// asInt accepts only integer literals: 1 is an integer, 1.0 and 1e0 are not.
func asInt(raw []byte) (int64, bool) {
	if _, ok := asNumber(raw); !ok {
		return 0, false
	}

	n, err := json.Number(bytes.TrimSpace(raw)).Int64()
	return n, err == nil
}

func asBool(raw []byte) (bool, bool) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}

	return false, false
}

func asArray(raw []byte) ([]json.RawMessage, bool) {
	var items []json.RawMessage
	if lead(raw) != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, false
	}

	return items, true
}

// check validates the value v found at p; o is the object holding v, for
// checks that depend on a sibling member.
type check func(c *checker, p path, v json.RawMessage, o object)

// rule says how one member of an object is validated.
type rule struct {
	name     string
	required bool // absent, null and "" are all reported as missing
	check    check
}

// fields checks the members of o that rules know, in the order o lists
// them, and then reports the required members o lacks.
func (c *checker) fields(p path, o object, rules []rule) {
	for _, k := range o.keys {
		i := slices.IndexFunc(rules, func(r rule) bool { return r.name == k })
		v, present := o.get(k)
		switch {
		case i < 0 || !present:
		case rules[i].required && isEmptyString(v):
			c.missing(p.key(k))
		default:
			rules[i].check(c, p.key(k), v, o)
		}
	}

	for _, r := range rules {
		if r.required && !o.has(r.name) {
			c.missing(p.key(r.name))
		}
	}
}

// object decodes v as an object, reporting it when it is not one.
func (c *checker) object(p path, v json.RawMessage) (object, bool) {
	o, ok := decodeObject(v)
	if !ok {
		c.invalid(p, "Must be an object")
	}

	return o, ok
}

// kind returns o's type member. A missing type is reported; a type that is
// not a string comes back as "" so that the caller reports it as unknown.
func (c *checker) kind(p path, o object) (string, bool) {
	v, ok := o.get("type")
	if !ok || isEmptyString(v) {
		c.missing(p.key("type"))
		return "", false
	}

	s, _ := asString(v)
	return s, true
}

// str checks that v is a string of at most hi UTF-16 code units (hi 0: any
// length) and returns it.
func (c *checker) str(p path, v json.RawMessage, hi int) (string, bool) {
	s, ok := asString(v)
	if !ok {
		c.invalid(p, "Must be a string")
		return "", false
	}

	if hi > 0 && UTF16Len(s) > hi {
		c.length(p, 0, hi)
		return s, false
	}

	return s, true
}

// UTF16Len counts s in UTF-16 code units, as LINE counts characters: a
// character outside the Basic Multilingual Plane counts 2.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}

	return n
}

// text accepts a string of at most hi UTF-16 code units (hi 0: any length).
func text(hi int) check {
	return func(c *checker, p path, v json.RawMessage, _ object) {
		c.str(p, v, hi)
	}
}

// oneOf accepts one of values.
func oneOf(values ...string) check {
	return func(c *checker, p path, v json.RawMessage, _ object) {
		s, ok := asString(v)
		if !ok || !slices.Contains(values, s) {
			c.invalid(p, "Must be one of the following values: "+list(values))
		}
	}
}

// form accepts a string that valid accepts; want describes the form.
func form(valid func(string) bool, want string) check {
	return func(c *checker, p path, v json.RawMessage, _ object) {
		s, ok := asString(v)
		if !ok || !valid(s) {
			c.invalid(p, want)
		}
	}
}

// number accepts a JSON number between lo and hi inclusive.
func number(lo, hi float64) check {
	return func(c *checker, p path, v json.RawMessage, _ object) {
		f, ok := asNumber(v)
		if !ok {
			c.invalid(p, "Must be a number")
			return
		}
		if f < lo || f > hi {
			c.invalid(p, fmt.Sprintf("Must be between %g and %g", lo, hi))
		}
	}
}

// integer accepts an integer of at least lo.
func integer(lo int64) check {
	return func(c *checker, p path, v json.RawMessage, _ object) {
		n, ok := asInt(v)
		if !ok {
			c.invalid(p, "Must be an integer")
			return
		}
		if n < lo {
			c.invalid(p, fmt.Sprintf("Must be greater than or equal to %d", lo))
		}
	}
}

// boolean accepts true or false.
func boolean(c *checker, p path, v json.RawMessage, _ object) {
	if _, ok := asBool(v); !ok {
		c.invalid(p, "Must be a boolean")
	}
}

// nested accepts an object whose members follow rules.
func nested(rules []rule) check {
	return func(c *checker, p path, v json.RawMessage, _ object) {
		if o, ok := c.object(p, v); ok {
			c.fields(p, o, rules)
		}
	}
}

// array accepts an array of lo to hi elements, each checked by elem; the
// elements see the object holding the array as their object. Of a longer
// array only the first hi elements are checked: the array is refused anyway,
// and this bounds the work a request can cause.
func array(lo, hi int, elem check) check {
	return func(c *checker, p path, v json.RawMessage, o object) {
		items, ok := asArray(v)
		if !ok {
			c.invalid(p, "Must be an array")
			return
		}

		if len(items) < lo || len(items) > hi {
			c.size(p, lo, hi)
		}
		for i, item := range items[:min(len(items), hi)] {
			if c.full() {
				return
			}
			elem(c, p.at(i), item, o)
		}
	}
}

// uri accepts a URI of at most hi characters whose scheme is one of schemes.
func uri(hi int, schemes ...string) check {
	return func(c *checker, p path, v json.RawMessage, _ object) {
		s, ok := c.str(p, v, hi)
		if ok && !hasScheme(s, schemes) {
			c.scheme(p, schemes)
		}
	}
}

// join concatenates rule tables.
func join(tables ...[]rule) []rule {
	return slices.Concat(tables...)
}
