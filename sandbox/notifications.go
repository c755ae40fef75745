package sandbox

// registerNotifications adds the endpoints that follow notifications and
// their webhooks, inject webhook faults and reset the data. TODO(#6)
func (a *API) registerNotifications(route routeFunc) {}
