package message

import (
	"encoding/json"
	"time"
)

// use says where an action sits, which decides the action types allowed and
// the rules for its label (LINE's "Specifications of the label").
type use int

const (
	inTemplate        use = iota // a template's actions: label required, ≤ 20
	inTemplateDefault            // a template's defaultAction
	inQuickReply                 // a quick reply button: label required, ≤ 20
	inFlexButton                 // a Flex button: label required, ≤ 40
	inFlex                       // any other Flex action: label optional, ≤ 40
)

// actionTypes lists the action types LINE knows.
var actionTypes = []string{
	"postback", "message", "uri", "datetimepicker", "camera", "cameraRoll",
	"location", "richmenuswitch", "clipboard",
}

// actionRules holds the member rules of each action type, label aside.
var actionRules = map[string][]rule{
	"postback": {
		{"data", true, text(300)},
		{"displayText", false, text(300)},
		{"text", false, postbackText},
		{"inputOption", false, oneOf(
			"closeRichMenu", "openRichMenu", "openKeyboard", "openVoice")},
		{"fillInText", false, text(300)},
	},
	"message": {{"text", true, text(300)}},
	"uri": {
		{"uri", true, uri(1000, linkSchemes...)},
		{"altUri", false, nested([]rule{{"desktop", false, uri(1000, linkSchemes...)}})},
	},
	"datetimepicker": {
		{"data", true, text(300)},
		{"mode", true, oneOf("date", "time", "datetime")},
		{"initial", false, pickerValue},
		{"max", false, pickerMax},
		{"min", false, pickerValue},
	},
	"camera":     {},
	"cameraRoll": {},
	"location":   {},
	"richmenuswitch": {
		{"richMenuAliasId", true, text(0)},
		{"data", true, text(300)},
	},
	"clipboard": {{"clipboardText", true, text(1000)}},
}

// action returns the check for an action used as u says.
func action(u use) check {
	return func(c *checker, p path, v json.RawMessage, _ object) {
		o, ok := c.object(p, v)
		if !ok {
			return
		}

		typ, ok := c.kind(p, o)
		rules, known := actionRules[typ]
		switch {
		case !ok:
		case !known:
			c.unknownType(p.key("type"), actionTypes)
		case misplaced(u, typ) != "":
			c.say(p.key("type"), misplaced(u, typ))
		default:
			c.fields(p, o, join([]rule{labelRule(u, typ)}, rules))
		}
	}
}

// misplaced says why an action of type typ may not be used as u says, or
// returns "". LINE allows the camera, camera roll and location actions only
// in quick reply buttons, and the rich menu switch action only in rich
// menus, which notification messages do not have.
func misplaced(u use, typ string) string {
	switch {
	case typ == "richmenuswitch":
		return "Rich menu switch actions can be used only in rich menus"
	case u == inQuickReply:
		return ""
	case typ == "camera" || typ == "cameraRoll" || typ == "location":
		return "This action can be used only in quick reply buttons"
	}

	return ""
}

// labelRule returns the rule for the label of an action of type typ used
// as u says. LINE does not say whether a template's defaultAction needs a
// label; since it is never shown, pnpd makes it optional there.
func labelRule(u use, typ string) rule {
	switch {
	case typ == "camera" || typ == "cameraRoll" || typ == "location":
		return rule{"label", true, text(20)}
	case u == inTemplate || u == inQuickReply:
		return rule{"label", true, text(20)}
	case u == inTemplateDefault:
		return rule{"label", false, text(20)}
	case u == inFlexButton:
		return rule{"label", true, text(40)}
	}

	return rule{"label", false, text(40)}
}

// postbackText checks a postback action's deprecated text, which LINE does
// not allow together with displayText.
func postbackText(c *checker, p path, v json.RawMessage, o object) {
	if _, ok := c.str(p, v, 300); ok && o.has("displayText") {
		c.say(p, "Must not be specified together with displayText")
	}
}

// pickerValue checks a datetime picker's initial or min value against the
// picker's mode.
func pickerValue(c *checker, p path, v json.RawMessage, o object) {
	c.picker(p, v, o)
}

// pickerMax checks a datetime picker's max value, which must also be later
// than its min value.
func pickerMax(c *checker, p path, v json.RawMessage, o object) {
	t, ok := c.picker(p, v, o)
	lo, hasMin := parsePicker(o.str("mode"), o.str("min"))
	if ok && hasMin && !t.After(lo) {
		c.say(p, "Must be later than min")
	}
}

// picker checks and parses a datetime picker value. A value is not checked
// against an invalid mode, which is reported on its own.
func (c *checker) picker(p path, v json.RawMessage, o object) (time.Time, bool) {
	s, ok := c.str(p, v, 0)
	mode := o.str("mode")
	layout, known := pickerLayouts[mode]
	if !ok || !known {
		return time.Time{}, false
	}

	t, ok := parsePicker(mode, s)
	if !ok {
		c.invalid(p, "Must be a "+mode+" between "+layout[1]+" and "+layout[2])
	}

	return t, ok
}
