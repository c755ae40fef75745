package render

// sticker renders a sticker message as a labelled placeholder: pnpd has no
// copy of LINE's sticker images. The IDs go in the title for the curious.
func (w *writer) sticker(o object) {
	pkg, okPkg := o.str("packageId")
	id, okID := o.str("stickerId")
	if !okPkg || !okID {
		w.unreadable("invalid")
		return
	}

	label := w.label("sticker")
	w.open("div", class("m-msg", "m-sticker"), attr{"role", "img"},
		attr{"aria-label", label}, attr{"title", label + " " + pkg + "/" + id})
	w.element("span", "", class("m-sticker-face"))
	w.element("span", label, class("m-sticker-label"))
	w.close("div")
}
