// Package console is a client for the REST API of CAST AIP Console 1.x:
// it schedules Console jobs (POST /api/jobs), polls them until they end,
// cancels them, reads the logs of their steps, uploads source archives in
// chunks, and looks up applications, versions and nodes.
//
// The client behaves like CAST's official Java client (the v1 line of
// com.castsoftware.aip.console.tools): it sends the API key in X-API-KEY
// (or Basic auth when a user name is set), keeps the Console's session
// cookies, echoes the XSRF-TOKEN cookie in X-XSRF-TOKEN, treats
// 200/201/202/204 as success, and polls a job until its state is neither
// "starting" nor "started", tolerating a run of failed polls.
//
// Failed requests are retried with a jittered exponential backoff
// ([RetryOptions]): reads and the cancel request after transport errors
// and 429/500/502/503/504, a job submission only when the answer proves the
// Console did not act on it, so that no job is submitted twice. A
// Retry-After header holds every request of the Client, whatever the
// goroutine, until the pause is over. A call refused with 401 or 403
// after a successful login starts one new session and is tried once more.
//
// All requests go through one transport, which keeps the proxy of the
// environment (HTTPS_PROXY, NO_PROXY) whatever the TLS options
// ([Options].CAFile, [Options].Insecure).
//
// Errors carry the request that failed. Non-success statuses are
// [*StatusError] values, which match [ErrUnauthorized], [ErrForbidden] and
// [ErrNotFound] with errors.Is; transport failures match [ErrUnreachable]
// (and [ErrCertificate] for a refused certificate); a submission that may
// have reached the Console matches [ErrOutcomeUnknown].
// The API key is a [Secret] and never appears in an error or a log line.
//
// Console 2.x and 3.x ("CAST Imaging Console") use a different job API and
// are not supported.
package console
