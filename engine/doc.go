// Package engine plans and runs a workflow: it builds the dependency graph
// of a loaded workflow (declared needs plus every steps.<id> reference),
// rejects cycles, evaluates conditions and ${{ }} templates with expr-lang,
// and runs ready steps concurrently against a JobService, passing each
// step's outputs to the steps that use them.
//
// Deciding is kept apart from doing: Build and the ready set are pure;
// Run owns the only loop that changes step states, and step goroutines
// report back to it.
package engine
