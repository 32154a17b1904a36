package console

import "log/slog"

// redacted is what a Secret prints instead of its value.
const redacted = "[redacted]"

// Secret is a credential such as a Console API key or password. Its value
// is only available through an explicit conversion, string(s); formatting
// with fmt (%v, %+v, %#v, %s, %q), logging with log/slog and encoding as
// JSON or text all print "[redacted]" instead.
//
// fmt cannot call methods on unexported struct fields, so a Secret kept in
// an unexported field of a struct that may be printed should sit behind a
// pointer, as Client does.
type Secret string

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns a redacted Go expression, for the %#v verb.
func (Secret) GoString() string { return `console.Secret("` + redacted + `")` }

// LogValue implements slog.LogValuer; it returns "[redacted]".
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes the Secret as the JSON string "[redacted]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[redacted]", so that encoders that use
// encoding.TextMarshaler, such as YAML encoders, redact too. (encoding/json
// writes a string-typed map key as it is: never use a Secret as a key.)
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
