// Package consolesim is an in-memory simulator of the CAST AIP Console 1.x
// REST API, served by an http.Handler.
//
// A Server answers the endpoints the Console 1.x clients use: the API
// information at GET /api/, the login probe GET /api/user, the lists of
// applications, versions and nodes, and the job endpoints POST /api/jobs,
// GET and PUT /api/jobs/{guid}, with the step logs of a job below it, and
// the chunked upload of source archives. Bodies are the wire types of
// package console, so a client and the simulator speak through the same
// definitions.
//
// It checks credentials and CSRF tokens the way the Console does: an
// X-API-KEY header (or Basic auth of a configured user) on every /api
// request, a JSESSIONID and a readable XSRF-TOKEN cookie handed out with
// the first authenticated answer, and an X-XSRF-TOKEN header equal to that
// cookie on every POST, PUT, PATCH and DELETE.
//
// # Time
//
// Jobs run a pipeline of steps, each lasting Options.StepTime. The server
// starts no goroutine: every request first brings the world up to
// Options.Now, applying the steps that ended since the previous request in
// order, and starting queued jobs at the very instant the job ahead of them
// ended. There is therefore nothing to close, and a test that injects a fake
// clock sees exactly the same states on every run.
//
// One job per application runs at a time; the others wait in the state
// "starting", first come first served.
//
// # Fault injection
//
// FailJob makes the next jobs of a type fail at a chosen step. SetFaults
// injects transient faults: a share of requests refused with a 5xx or with
// 429 and Retry-After before they reach the Console, a share of POST, PUT,
// PATCH and DELETE requests carried out but answered 502 or 504 as if a
// proxy lost the answer, latency, sessions that expire and XSRF tokens
// that rotate. The random draws come from a seeded source, so a test that
// sends one request at a time sees the same faults on every run. Restart
// and RestartAt forget every session as a restarted Console does, keeping
// applications, versions and jobs; LoseJob makes a job's status answer 404.
//
// Requests returns every request received, with the credentials and CSRF
// header as they arrived and the fault injected, so a test can check what
// a client sent; Stats counts requests, faults, sessions, restarts and
// jobs created per type, and Jobs lists every job created, so a test can
// check that a client never submitted a job twice.
//
// # Known gaps
//
// The simulator does not serve the server-folder check, delivery
// configuration, module, debug and security options, or export endpoints
// of the Console. Those answer 404, so a client that calls them sees a
// "not found" error; workflows that give a sources: path and skip the
// delivery configuration run as on a real Console. Jobs never end
// "stopped", and none is ever suspended in "starting" as on Consoles up to
// 1.9. The request log grows with every request: a simulator left serving
// for days keeps them all in memory.
package consolesim
