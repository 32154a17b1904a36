package engine

import (
	"os"
	"strings"
	"testing"

	"github.com/aipflow/runner/schema"
)

// conditions are the columns of the truth table in docs/semantics.md:
// the heading of each and the if: it stands for ("" for none; flag is the
// value of inputs.flag).
var conditions = []struct {
	heading, cond string
	flag          bool
}{
	{"no `if:`", "", false},
	{"`inputs.flag` true", "inputs.flag", true},
	{"`inputs.flag` false", "inputs.flag", false},
	{"`always()`", "always()", false},
	{"`failure()`", "failure()", false},
	{"`canceled()`", "canceled()", false},
}

const (
	runs = "runs"
	skip = "skipped"
	upfl = "upstream_failed"
)

// truthTable has one row per row of the table in docs/semantics.md: how
// the dependencies ended, and what becomes of the step for each column of
// conditions.
var truthTable = []struct {
	name string
	deps []depEnd
	want []string
}{
	{"no dependencies", nil,
		[]string{runs, runs, skip, runs, skip, skip}},
	{"completed", []depEnd{{State: Completed}},
		[]string{runs, runs, skip, runs, skip, skip}},
	{"skipped", []depEnd{{State: Skipped}},
		[]string{runs, runs, skip, runs, skip, skip}},
	{"failed", []depEnd{{State: Failed}},
		[]string{upfl, upfl, upfl, runs, runs, skip}},
	{"failed with continue-on-error", []depEnd{{State: Failed, Ignored: true}},
		[]string{runs, runs, skip, runs, skip, skip}},
	{"canceled", []depEnd{{State: Canceled}},
		[]string{upfl, upfl, upfl, runs, skip, runs}},
	{"upstream_failed", []depEnd{{State: UpstreamFailed}},
		[]string{upfl, upfl, upfl, runs, runs, skip}},
	{"completed and failed", []depEnd{{State: Completed}, {State: Failed}},
		[]string{upfl, upfl, upfl, runs, runs, skip}},
	{"failed and canceled", []depEnd{{State: Failed}, {State: Canceled}},
		[]string{upfl, upfl, upfl, runs, runs, runs}},
	{"skipped and failed with continue-on-error",
		[]depEnd{{State: Skipped}, {State: Failed, Ignored: true}},
		[]string{runs, runs, skip, runs, skip, skip}},
}

func TestTruthTable(t *testing.T) {
	progs := make([]*program, len(conditions))
	for i, c := range conditions {
		progs[i] = compileCondition(t, c.cond)
	}
	for _, row := range truthTable {
		t.Run(row.name, func(t *testing.T) {
			deps := append([]depEnd(nil), row.deps...)
			for i := range deps {
				deps[i].ID = string(rune('a' + i))
			}
			for i, c := range conditions {
				env := map[string]any{"inputs": map[string]any{"flag": c.flag}}
				state, reason, err := decide(progs[i], deps, env)
				if err != nil {
					t.Fatalf("%s: %v", c.heading, err)
				}
				if got := outcome(state); got != row.want[i] {
					t.Errorf("%s: got %s (%s), want %s", c.heading, got, reason, row.want[i])
				}
			}
		})
	}
}

// outcome names a decision as the table does.
func outcome(s State) string {
	if s == Running {
		return runs
	}
	return string(s)
}

// compileCondition compiles an if: as Build does, or returns nil for "".
func compileCondition(t *testing.T, cond string) *program {
	t.Helper()
	if cond == "" {
		return nil
	}
	src := "version: 1\nname: table\ninputs: {flag: {type: boolean}}\nsteps:\n" +
		"  s:\n    job: BACKUP\n    if: \"" + cond + "\"\n" +
		"    with: {appGuid: 00000000-0000-0000-0000-000000000001}\n"
	wf, err := schema.Parse("table.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(wf)
	if err != nil {
		t.Fatal(err)
	}
	return p.Nodes[0].cond
}

// TestTruthTableIsDocumented checks that the truth table of
// docs/semantics.md says, cell for cell, what truthTable says.
func TestTruthTableIsDocumented(t *testing.T) {
	rows := docTable(t, "../docs/semantics.md", "| Dependencies ended |")
	header := make([]string, 0, len(conditions)+1)
	header = append(header, "Dependencies ended")
	for _, c := range conditions {
		header = append(header, c.heading)
	}
	if got, want := strings.Join(rows[0], " | "), strings.Join(header, " | "); got != want {
		t.Fatalf("table heading:\n%s\nwant:\n%s", got, want)
	}
	rows = rows[1:]
	if len(rows) != len(truthTable) {
		t.Fatalf("the document has %d rows, the test %d", len(rows), len(truthTable))
	}
	for i, row := range truthTable {
		want := strings.Join(append([]string{row.name}, row.want...), " | ")
		if got := strings.Join(rows[i], " | "); got != want {
			t.Errorf("row %d:\n got %s\nwant %s", i+1, got, want)
		}
	}
}

// docTable returns the cells of the Markdown table in file whose first
// line starts with prefix, without its separator line.
func docTable(t *testing.T, file, prefix string) [][]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, prefix) {
			in = true
		}
		if !in {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		if strings.HasPrefix(line, "| ---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no table starting with %q", file, prefix)
	}
	return rows
}
