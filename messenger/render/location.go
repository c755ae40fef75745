package render

import (
	"net/url"
	"strconv"
)

// location renders a location message: a map placeholder that links to the
// place on OpenStreetMap, then the title and the address.
func (w *writer) location(o object) {
	lat, okLat := o.number("latitude")
	lon, okLon := o.number("longitude")
	if !okLat || !okLon || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		w.unreadable("invalid")
		return
	}

	w.open("div", class("m-msg", "m-location"), attr{"role", "group"},
		attr{"aria-label", w.label("location")})
	w.mapLink(lat, lon)
	w.open("div", class("m-loc-body"))
	w.element("div", o.text("title"), class("m-loc-title"))
	w.element("div", o.text("address"), class("m-loc-address"))
	w.close("div")
	w.close("div")
}

// mapLink writes the map placeholder as a link to OpenStreetMap. The
// coordinates are written from numbers, never copied from the message.
func (w *writer) mapLink(lat, lon float64) {
	la := strconv.FormatFloat(lat, 'f', -1, 64)
	lo := strconv.FormatFloat(lon, 'f', -1, 64)
	q := url.Values{"mlat": {la}, "mlon": {lo}}
	href := "https://www.openstreetmap.org/?" + q.Encode() + "#map=16/" + la + "/" + lo

	label := w.label("map")
	w.open("a", class("m-map"), attr{"href", href}, attr{"target", "_blank"},
		attr{"rel", "noopener noreferrer nofollow"}, attr{"aria-label", label})
	w.element("span", "", class("m-map-pin"))
	w.element("span", label, class("m-map-label"))
	w.close("a")
}
