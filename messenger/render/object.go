package render

import (
	"bytes"
	"encoding/json"
	"math"
)

// object is a decoded JSON object whose members stay raw until asked for,
// so that a member of the wrong type spoils only the part that uses it.
type object map[string]json.RawMessage

// decode decodes raw if it is a JSON object; null and other values are not.
func decode(raw json.RawMessage) (object, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}

	var o object
	if json.Unmarshal(raw, &o) != nil {
		return nil, false
	}

	return o, true
}

// str returns member k if it is a string.
func (o object) str(k string) (string, bool) {
	var s string
	v := bytes.TrimSpace(o[k])
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return "", false
	}

	return s, true
}

// text returns member k if it is a string, or "".
func (o object) text(k string) string {
	s, _ := o.str(k)
	return s
}

// number returns member k if it is a JSON number.
func (o object) number(k string) (float64, bool) {
	var f float64
	v := bytes.TrimSpace(o[k])
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, false
	}

	return f, json.Unmarshal(v, &f) == nil
}

// integer returns member k if it is an integer literal between 0 and hi.
func (o object) integer(k string, hi int) (int, bool) {
	f, ok := o.number(k)
	if !ok || f < 0 || f > float64(hi) || f != math.Trunc(f) {
		return 0, false
	}

	return int(f), true
}

// flag returns member k if it is true or false.
func (o object) flag(k string) (bool, bool) {
	switch string(bytes.TrimSpace(o[k])) {
	case "true":
		return true, true
	case "false":
		return false, true
	}

	return false, false
}

// list returns member k if it is a JSON array.
func (o object) list(k string) ([]json.RawMessage, bool) {
	var items []json.RawMessage
	v := bytes.TrimSpace(o[k])
	if len(v) == 0 || v[0] != '[' || json.Unmarshal(v, &items) != nil {
		return nil, false
	}

	return items, true
}

// object returns member k if it is a JSON object.
func (o object) object(k string) (object, bool) {
	return decode(o[k])
}
