package sandbox

// registerRecipients adds the endpoints that create recipients and act as
// them, and the magic numbers' table.
func (a *API) registerRecipients(route routeFunc) {
	route("GET /sandbox/v1/magic-numbers", a.magicNumbers)
}
