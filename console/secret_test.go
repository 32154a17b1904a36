package console_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aipflow/runner/console"
)

func TestSecretRedacted(t *testing.T) {
	t.Parallel()
	key := console.Secret(testKey)
	opts := console.Options{BaseURL: "http://console:8081", APIKey: key}
	c, err := console.New(opts)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		got  func() string
	}{
		{"%v", func() string { return fmt.Sprintf("%v", key) }},
		{"%+v", func() string { return fmt.Sprintf("%+v", key) }},
		{"%#v", func() string { return fmt.Sprintf("%#v", key) }},
		{"%s", func() string { return fmt.Sprintf("%s", key) }},
		{"%q", func() string { return fmt.Sprintf("%q", key) }},
		{"%x", func() string { return fmt.Sprintf("%x", key) }},
		{"Print", func() string { return fmt.Sprint(key) }},
		{"options %+v", func() string { return fmt.Sprintf("%+v", opts) }},
		{"options %#v", func() string { return fmt.Sprintf("%#v", opts) }},
		{"client %+v", func() string { return fmt.Sprintf("%+v", c) }},
		{"client %#v", func() string { return fmt.Sprintf("%#v", c) }},
		{"json", func() string { return marshal(t, key) }},
		{"json options", func() string { return marshal(t, opts) }},
		{"slog text", func() string { return logged(t, false, key, opts) }},
		{"slog json", func() string { return logged(t, true, key, opts) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.got()
			if strings.Contains(got, testKey) || strings.Contains(got, fmt.Sprintf("%x", testKey)) {
				t.Errorf("output shows the key: %s", got)
			}
			// A Client keeps its key behind a pointer, so only an
			// address shows.
			marked := strings.HasPrefix(tt.name, "client") ||
				strings.Contains(got, "redacted") || strings.Contains(got, "5b72656461637465645d")
			if !marked {
				t.Errorf("output %s does not say the value is redacted", got)
			}
		})
	}
	if string(key) != testKey {
		t.Errorf("string(key) = %q, want the key itself", string(key))
	}
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return string(b)
}

func logged(t *testing.T, asJSON bool, key console.Secret, opts console.Options) string {
	t.Helper()
	var buf bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&buf, nil)
	if asJSON {
		h = slog.NewJSONHandler(&buf, nil)
	}
	slog.New(h).Info("connect", "key", key, "opts", opts, slog.Group("g", "key", key))
	return buf.String()
}
