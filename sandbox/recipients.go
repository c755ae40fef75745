package sandbox

// registerRecipients adds the endpoints that create recipients and act as
// them. TODO(#6)
func (a *API) registerRecipients(route routeFunc) {}
