package schema_test

import (
	"fmt"
	"time"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

func ExampleParse() {
	src := `
version: 1
name: nightly
steps:
  analyze:
    job: Analyze
    with:
      appGuid: "00000000-0000-0000-0000-000000000001"
      versionGuid: "00000000-0000-0000-0000-000000000002"
      processImaging: no
`
	_, err := schema.Parse("nightly.yaml", []byte(src))
	fmt.Println(err)

	w, err := schema.Parse("nightly.yaml", []byte(src[:len(src)-len("      processImaging: no\n")]))
	if err != nil {
		panic(err)
	}
	fmt.Println(w.Steps[0].Job, len(w.Steps[0].With))
	// Output:
	// nightly.yaml:10:23: steps.analyze.with.processImaging: "no" is not a boolean, write true or false
	// analyze 2
}

// ParsePartial lets a checker report the problems of every layer in one
// run: here a schema problem (the unknown key) and a graph problem (the
// unknown step) that only engine.Build finds.
func ExampleParsePartial() {
	src := `
version: 1
name: nightly
steps:
  backup:
    job: BACKUP
    with: {appGuid: "00000000-0000-0000-0000-000000000001"}
    timout: 1h
  analyze:
    job: analyze
    needs: [bakup]
    with: {appGuid: "${{ steps.backup.outputs.appGuid }}", versionGuid: 00000000-0000-0000-0000-000000000002}
`
	wf, err := schema.ParsePartial("nightly.yaml", []byte(src))
	var buildErr error
	if wf != nil {
		_, buildErr = engine.Build(wf)
	}
	fmt.Println(schema.SortErrors([]error{err, buildErr}))
	// Output:
	// nightly.yaml:8:5: steps.backup: unknown key "timout" (did you mean "timeout"?)
	// nightly.yaml:11:13: step "analyze" needs unknown step "bakup" (did you mean "backup"?)
}

func ExampleJobType_Request() {
	j, _ := schema.LookupJob("BACKUP")
	now := time.Date(2024, 7, 31, 12, 14, 2, 0, time.UTC)
	with := map[string]string{"appGuid": "00000000-0000-0000-0000-000000000001"}
	fmt.Println(j.Request(with, now))
	// Output:
	// map[appGuid:00000000-0000-0000-0000-000000000001 backupName:backup_240731.121402]
}
