// Package contract holds the contract suite of the Console API: tests that
// send the calls runner makes and check every answer against the shapes of
// console-api.md, written as JSON Schemas in testdata/.
//
// The same tests run against two targets:
//
//   - the simulator of package consolesim, served over HTTP in the test
//     process (the default, and what make test runs);
//   - a real Console 1.x, when AIP_CONSOLE_URL and AIP_CONSOLE_API_KEY are
//     set (with AIP_CONSOLE_USER for Basic auth, AIP_CONSOLE_CA_FILE for a
//     company CA). make contract runs them so.
//
// A user with a Console can thus check that the simulator answers like it:
// a test that passes against the simulator and fails against the Console
// names the endpoint and the field where the two differ.
//
// Against a real Console the suite only reads (API information, the user,
// applications, versions, nodes, an unknown job), unless CONTRACT_WRITE=1:
// it then declares one application named runner-contract-<time>, polls the
// job to its end and reads its logs. Console 1.x has no documented call
// that deletes an application, so that application stays; remove it from
// the Console's UI. CONTRACT_TIMEOUT (a Go duration, default 30m) bounds
// that job.
package contract
