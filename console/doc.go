// Package console is a client for the REST API of CAST AIP Console 1.x:
// it schedules Console jobs (POST /api/jobs), polls them until they end,
// cancels them, and looks up applications, versions and nodes.
//
// The client behaves like CAST's official Java client (the v1 line of
// com.castsoftware.aip.console.tools): it sends the API key in X-API-KEY
// (or Basic auth when a user name is set), keeps the Console's session
// cookies, echoes the XSRF-TOKEN cookie in X-XSRF-TOKEN, treats
// 200/201/202/204 as success, and polls a job until its state is neither
// "starting" nor "started", tolerating a run of failed polls.
//
// Errors carry the request that failed. Non-success statuses are
// [*StatusError] values, which match [ErrUnauthorized], [ErrForbidden] and
// [ErrNotFound] with errors.Is; transport failures match [ErrUnreachable].
// The API key is a [Secret] and never appears in an error or a log line.
//
// Console 2.x and 3.x ("CAST Imaging Console") use a different job API and
// are not supported.
package console
