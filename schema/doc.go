// Package schema loads workflow files and knows the Console job types.
//
// Load and Parse read a workflow file, check it against the embedded JSON
// Schema (JSONSchema) and against the job-type catalog, and return a
// Workflow whose every element remembers its file position. Problems are
// reported all at once as *PosError values, each printed as
// file:line:col: message. LoadPartial and ParsePartial also return the
// part of a faulty file that could be read, so that a caller can run the
// checks of later layers on it in the same run and merge all the problems
// with SortErrors.
//
// YAML is read as a yaml.Node tree, never decoded into Go types, so values
// keep the text they were written with: with: values reach the Console
// exactly as written (1.20, 010 and no stay as they are), and booleans are
// only true and false. Merge keys (<<) are resolved with explicit keys
// winning; alias expansion is bounded, so a small file cannot expand into
// a huge one.
//
// The catalog (LookupJob, Jobs) describes every Console 1.x job type: its
// parameters, the defaults the official client applies (JobType.Request)
// and the outputs of a step of that type. The query kinds (QueryParams,
// QueryOutputs) are read-only lookups that send no job.
package schema
