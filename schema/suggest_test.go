package schema_test

import (
	"testing"

	"github.com/aipflow/runner/schema"
)

func TestSuggest(t *testing.T) {
	t.Parallel()
	steps := []string{"backup", "snap", "add", "report"}
	tests := []struct {
		name, want string
	}{
		{"sanp", "snap"},     // swapped neighbours
		{"bakup", "backup"},  // one deletion
		{"Backup", "backup"}, // case only
		{"ad", "add"},
		{"xyz", ""},
		{"", ""},
		{"reprot", "report"},
		{"backup", ""}, // the name itself is not a suggestion
	}
	for _, tt := range tests {
		if got := schema.Suggest(tt.name, steps); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
