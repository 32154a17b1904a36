// Package engine plans and runs a workflow: it builds the dependency graph
// of a loaded workflow (declared needs plus every steps.<id> reference),
// rejects cycles, evaluates conditions and ${{ }} templates with expr-lang,
// and runs ready steps concurrently against a JobService, passing each
// step's outputs to the steps that use them. It retries jobs as a step's
// retry: says, holds a FIFO lock per Console application (and per
// concurrency: name) while a job runs, runs the DAG once per matrix item,
// and stops at the first failure with Options.FailFast.
//
// A run keeps a journal (Journal, Options.JournalPath), rewritten
// atomically at every state change, from which a later process resumes it
// (Options.Resume): completed steps are kept, running Console jobs are
// re-attached by their GUID and never submitted twice, and the rest runs.
// Store lists and loads the journals of a state directory.
//
// Deciding is kept apart from doing: Build and decide (what becomes of a
// step given how its dependencies ended and its condition) are pure; Run
// owns the only loop that changes step states, and step goroutines report
// back to it. docs/semantics.md states the rules, with the truth table
// that decide_test.go checks.
package engine
