package schema_test

import (
	"strings"
	"testing"

	"github.com/aipflow/runner/schema"
)

// TestUnquotedTemplateInFlow checks that a syntax error caused by a ${{ }}
// template written without quotes inside { } or [ ] points at the
// template and says to quote it, and that other syntax errors get no such
// hint.
func TestUnquotedTemplateInFlow(t *testing.T) {
	t.Parallel()
	const head = "version: 1\nname: x\n"
	tests := []struct {
		name, yaml, want string
	}{
		{
			name: "flow mapping",
			yaml: head + "with: {appGuid: ${{ steps.a.outputs.appGuid }}}\nnext: 1\n",
			want: `wf.yaml:3:17: yaml: did not find expected ',' or '}': a ${{ }} template ` +
				`inside { } must be quoted: write "${{ steps.a.outputs.appGuid }}"`,
		},
		{
			name: "flow sequence after a quoted item",
			yaml: head + "needs: [\"${{ a }}, [x\", ${{ inputs.b }}]\n",
			want: `wf.yaml:3:25: yaml: did not find expected ',' or ']': a ${{ }} template ` +
				`inside [ ] must be quoted: write "${{ inputs.b }}"`,
		},
		{
			name: "template holding double quotes",
			yaml: head + "with: {a: 1, b: ${{ inputs.x == \"y\" }}}\n",
			want: `wf.yaml:3:17: yaml: did not find expected ',' or '}': a ${{ }} template ` +
				`inside { } must be quoted: write '${{ inputs.x == "y" }}'`,
		},
		{
			name: "plain template in block context, then another error",
			yaml: head + "a: ${{ inputs.a }}\nb: {c: d\n",
			want: `wf.yaml:4:1: yaml: did not find expected ',' or '}'`,
		},
		{
			name: "template in a comment and in a block scalar",
			yaml: head + "note: |\n  {a: ${{ x }}}\nb: {c: d, # ${{ y }}\n",
			want: `wf.yaml:6:1: yaml: did not find expected node content`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := schema.Parse("wf.yaml", []byte(tt.yaml))
			if got := strings.TrimSpace(schemaErr(err)); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func schemaErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
