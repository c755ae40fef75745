package sandbox

// Routes are the patterns Register adds, for the tests.
var Routes = routes
