package message

import (
	"fmt"
	"strconv"
	"strings"
)

// path is the location of a value, written either as a request-body path
// ("messages[0].template.actions[1]") or, inside a Flex container, as a JSON
// pointer ("/body/contents/1").
type path struct {
	s       string
	pointer bool
}

// key returns the path of member k of the object at p.
func (p path) key(k string) path {
	if p.pointer {
		k = strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
		return path{s: p.s + "/" + k, pointer: true}
	}

	return path{s: p.s + "." + k}
}

// at returns the path of element i of the array at p.
func (p path) at(i int) path {
	if p.pointer {
		return path{s: p.s + "/" + strconv.Itoa(i), pointer: true}
	}

	return path{s: p.s + "[" + strconv.Itoa(i) + "]"}
}

// checker collects problems. One checker covers the messages array; each
// Flex container gets its own, with flex set, because LINE words and locates
// container problems differently.
type checker struct {
	flex    bool
	details []Detail

	msgIndex int             // the message being checked
	flexErr  *ContainerError // the first invalid Flex container

	boxDepth int // boxes open around the component being checked
	animated int // animated images seen so far in this container
}

// full reports whether the checker has as many problems as it keeps.
func (c *checker) full() bool {
	return len(c.details) >= maxDetails
}

// say records a problem. Inside a Flex container LINE words problems in
// lower case, so the message is lowered there.
func (c *checker) say(p path, msg string) {
	if c.full() {
		return
	}
	if c.flex && msg != "" && msg[0] >= 'A' && msg[0] <= 'Z' {
		msg = string(msg[0]+'a'-'A') + msg[1:]
	}

	c.details = append(c.details, Detail{Message: msg, Property: p.s})
}

// missing reports a required value that is absent, null or empty.
func (c *checker) missing(p path) {
	if c.flex {
		c.say(p, "must be specified")
		return
	}

	c.say(p, "May not be empty")
}

// invalid reports a value of the wrong type or form. Inside a Flex container
// LINE says only "invalid property"; elsewhere msg says what was expected.
func (c *checker) invalid(p path, msg string) {
	if c.flex {
		c.say(p, "invalid property")
		return
	}

	c.say(p, msg)
}

// length reports a string outside its length limits.
func (c *checker) length(p path, lo, hi int) {
	c.say(p, fmt.Sprintf("Length must be between %d and %d", lo, hi))
}

// size reports an array outside its size limits.
func (c *checker) size(p path, lo, hi int) {
	c.say(p, fmt.Sprintf("Size must be between %d and %d", lo, hi))
}

// scheme reports a URI whose scheme is not allowed where it is used.
func (c *checker) scheme(p path, allowed []string) {
	if c.flex {
		c.say(p, "invalid uri scheme")
		return
	}

	c.say(p, "URI scheme must be one of the following values: "+list(allowed))
}

// unknownType reports a type member naming no type allowed at p.
func (c *checker) unknownType(p path, allowed []string) {
	if c.flex {
		c.say(p, "unknown type")
		return
	}

	c.say(p, "Must be one of the following values: "+list(allowed))
}

// list formats values the way LINE's error messages list them.
func list(values []string) string {
	return "[" + strings.Join(values, ", ") + "]"
}
