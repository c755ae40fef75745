package sandbox

// Routes are the patterns Register adds, for the tests.
var Routes = routes

// UnroutedPattern is the catch-all pattern, which is no API route.
const UnroutedPattern = unroutedPattern
