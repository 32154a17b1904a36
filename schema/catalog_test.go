package schema_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aipflow/runner/schema"
)

// consoleJobTypes are the job types of console-api.md 3.2 in catalog
// spelling.
var consoleJobTypes = []string{
	"analyze", "reject_version", "delete_version", "purge_version", "delete_snapshot",
	"upload_application", "upload_snapshots", "consolidate_snapshot", "declare_application",
	"delete_application", "function_points", "deliver_version", "BACKUP", "backup_measurement",
	"RESTORE", "SHERLOCK_BACKUP", "upload_deliver_version", "upload_snapshot_version",
	"rescan_application", "add_version", "clone_version", "edit_version", "sync_application",
	"dataflow_security_analyze",
}

func TestJobsCoverConsole(t *testing.T) {
	t.Parallel()
	var got []string
	for _, j := range schema.Jobs() {
		got = append(got, j.Name)
	}
	want := slices.Clone(consoleJobTypes)
	slices.SortFunc(want, func(a, b string) int {
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Jobs() (-want +got):\n%s", diff)
	}
}

func TestLookupJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"analyze", "analyze", true},
		{"ANALYZE", "analyze", true},
		{"backup", "BACKUP", true},
		{"Sherlock_Backup", "SHERLOCK_BACKUP", true},
		{"restore", "RESTORE", true},
		{"Add_Version", "add_version", true},
		{"snapshot", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		j, ok := schema.LookupJob(tt.name)
		if ok != tt.ok || ok && j.Name != tt.want {
			t.Errorf("LookupJob(%q) = %v, %v; want %q, %v", tt.name, j, ok, tt.want, tt.ok)
		}
	}
}

func TestSuggestJob(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"analyse":        "analyze",
		"add-version":    "add_version",
		"BAKUP":          "BACKUP",
		"declare_app":    "declare_application", // begins only that type
		"consolidate":    "consolidate_snapshot",
		"CONSOLIDATE":    "consolidate_snapshot",
		"delete":         "", // begins several types
		"an":             "", // too short to mean one
		"snapshot":       "",
		"purge_versions": "purge_version",
	}
	for name, want := range tests {
		if got := schema.SuggestJob(name); got != want {
			t.Errorf("SuggestJob(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestJobTypeFacts(t *testing.T) {
	t.Parallel()
	creates := []string{}
	for _, j := range schema.Jobs() {
		if j.CreatesVersion {
			creates = append(creates, j.Name)
			if !slices.Contains(j.Outputs, "versionGuid") ||
				!slices.Contains(j.Outputs, "versionName") {
				t.Errorf("%s creates a version but outputs %v", j.Name, j.Outputs)
			}
		}
		if p, ok := j.Param("appGuid"); j.Name != "declare_application" && (!ok || !p.Required) {
			t.Errorf("%s: appGuid is not a required parameter", j.Name)
		}
		for _, p := range j.Params {
			if p.Required && p.Default != nil {
				t.Errorf("%s.%s is required and has a default", j.Name, p.Name)
			}
		}
	}
	want := []string{"add_version", "clone_version", "rescan_application",
		"upload_deliver_version", "upload_snapshot_version"}
	if diff := cmp.Diff(want, creates); diff != "" {
		t.Errorf("version-creating jobs (-want +got):\n%s", diff)
	}
	known := map[string]bool{}
	for _, j := range schema.Jobs() {
		known[j.Name] = j.ParamsKnown
	}
	for name, isKnown := range known {
		want := slices.Contains([]string{"add_version", "clone_version", "analyze",
			"declare_application"}, name)
		if isKnown != want {
			t.Errorf("%s: ParamsKnown = %v, want %v", name, isKnown, want)
		}
	}
}

// now is a fixed request time; names and dates use its location.
var now = time.Date(2024, 7, 31, 12, 14, 2, 345_000_000, time.FixedZone("CEST", 2*3600))

// common are the defaults that add_version, clone_version and analyze
// share, at now.
var common = map[string]string{
	"endStep":                    "consolidate_snapshot",
	"ignoreFileStructureCheck":   "true",
	"objectives":                 "GLOBAL_RISK,FUNCTIONAL_POINTS",
	"releaseDate":                "2024-07-31T12:14:02.345Z",
	"snapshotCaptureDate":        "2024-07-31T12:14:02.345Z",
	"extensionAutoConfigEnabled": "true",
	"processImaging":             "false",
}

// plus returns the union of maps, later ones winning.
func plus(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

func TestRequestDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, job string
		with      map[string]string
		want      map[string]string
	}{{
		name: "add_version",
		job:  "add_version",
		with: map[string]string{"appGuid": "a1", "sourcePath": "sources:webi/source_code"},
		want: plus(common, map[string]string{
			"appGuid":       "a1",
			"sourcePath":    "sources:webi/source_code",
			"sourceArchive": "sources:webi/source_code",
			"versionName":   "v240731.121402",
			"startStep":     "unzip_source",
		}),
	}, {
		name: "clone_version with backup and imaging",
		job:  "clone_version",
		with: map[string]string{
			"appGuid":           "a1",
			"sourcePath":        "upload:Webi/x.zip",
			"versionName":       "release-42",
			"endStep":           "deliver_version",
			"backupApplication": "true",
			"processImaging":    "true",
			"releaseDate":       "2024-01-02T00:00:00.000Z",
		},
		want: plus(common, map[string]string{
			"appGuid":             "a1",
			"sourcePath":          "upload:Webi/x.zip",
			"sourceArchive":       "upload:Webi/x.zip",
			"versionName":         "release-42",
			"startStep":           "unzip_source",
			"endStep":             "deliver_version",
			"releaseDate":         "2024-01-02T00:00:00.000Z",
			"snapshotCaptureDate": "2024-01-02T00:00:00.000Z",
			"processImaging":      "true",
			"uploadApplication":   "true",
			"backupApplication":   "true",
			"backupName":          "backup_240731.121402",
		}),
	}, {
		name: "analyze with snapshot",
		job:  "analyze",
		with: map[string]string{"appGuid": "a1", "versionGuid": "v1"},
		want: plus(common, map[string]string{
			"appGuid":      "a1",
			"versionGuid":  "v1",
			"startStep":    "analyze",
			"snapshotName": "Snapshot-2024-07-31T12:14:02.345",
		}),
	}, {
		name: "analyze only",
		job:  "analyze",
		with: map[string]string{"appGuid": "a1", "versionGuid": "v1", "endStep": "Analyze"},
		want: plus(common, map[string]string{
			"appGuid":     "a1",
			"versionGuid": "v1",
			"startStep":   "analyze",
			"endStep":     "Analyze",
		}),
	}, {
		name: "declare_application",
		job:  "declare_application",
		with: map[string]string{"appName": "Webi"},
		want: map[string]string{"appName": "Webi", "inPlaceMode": "false"},
	}, {
		name: "BACKUP",
		job:  "backup",
		with: map[string]string{"appGuid": "a1"},
		want: map[string]string{"appGuid": "a1", "backupName": "backup_240731.121402"},
	}, {
		name: "rescan_application keeps unknown parameters",
		job:  "rescan_application",
		with: map[string]string{"appGuid": "a1", "custom": "kept"},
		want: map[string]string{"appGuid": "a1", "custom": "kept", "versionName": "v240731.121402"},
	}, {
		name: "an empty value is sent, not replaced",
		job:  "delete_version",
		with: map[string]string{"appGuid": "a1", "versionGuid": ""},
		want: map[string]string{"appGuid": "a1", "versionGuid": ""},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j, ok := schema.LookupJob(tt.job)
			if !ok {
				t.Fatalf("no job type %s", tt.job)
			}
			before := maps.Clone(tt.with)
			got := j.Request(tt.with, now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Request (-want +got):\n%s", diff)
			}
			if !maps.Equal(before, tt.with) {
				t.Errorf("Request modified with: %v, was %v", tt.with, before)
			}
		})
	}
}

func TestQueries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind     string
		outputs  []string
		params   []string
		required []string
	}{
		{schema.QueryApplication, []string{"found", "appGuid", "appName"},
			[]string{"name"}, []string{"name"}},
		{schema.QueryVersion, []string{"found", "versionGuid", "versionName", "status"},
			[]string{"appGuid", "name"}, []string{"appGuid", "name"}},
		{schema.QueryNode, []string{"found", "nodeGuid", "nodeName"}, []string{"name"}, nil},
		{"job", nil, nil, nil},
	}
	for _, tt := range tests {
		var params, required []string
		for _, p := range schema.QueryParams(tt.kind) {
			params = append(params, p.Name)
			if p.Required {
				required = append(required, p.Name)
			}
		}
		if !cmp.Equal(tt.outputs, schema.QueryOutputs(tt.kind)) || !cmp.Equal(tt.params, params) ||
			!cmp.Equal(tt.required, required) {
			t.Errorf("query %s: outputs %v, params %v, required %v", tt.kind,
				schema.QueryOutputs(tt.kind), params, required)
		}
	}
}

// The schema lists every job type for completion, and the parameters of
// each as the catalog has them.
func TestSchemaMatchesCatalog(t *testing.T) {
	t.Parallel()
	var doc struct {
		Defs struct {
			Step struct {
				Properties struct {
					Job struct {
						Examples []string `json:"examples"`
					} `json:"job"`
				} `json:"properties"`
				AllOf []struct {
					If struct {
						Properties struct {
							Job struct{ Const string } `json:"job"`
						} `json:"properties"`
					} `json:"if"`
					Then struct {
						Properties struct {
							With struct {
								Properties map[string]struct {
									Description string `json:"description"`
								} `json:"properties"`
							} `json:"with"`
						} `json:"properties"`
					} `json:"then"`
				} `json:"allOf"`
			} `json:"step"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schema.JSONSchema(), &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range schema.Jobs() {
		names = append(names, j.Name)
	}
	step := doc.Defs.Step
	if diff := cmp.Diff(names, step.Properties.Job.Examples); diff != "" {
		t.Errorf("job examples (-catalog +schema):\n%s", diff)
	}
	got := map[string]map[string]string{}
	for _, a := range step.AllOf {
		params := map[string]string{}
		for name, p := range a.Then.Properties.With.Properties {
			params[name] = p.Description
		}
		got[a.If.Properties.Job.Const] = params
	}
	want := map[string]map[string]string{}
	for _, j := range schema.Jobs() {
		params := map[string]string{}
		for _, p := range j.Params {
			d := p.Summary
			if p.Required {
				d += " (required)"
			}
			params[p.Name] = d
		}
		want[j.Name] = params
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("job parameters (-catalog +schema):\n%s", diff)
	}
}

// The job-type sections of the schema only annotate: the loader leaves
// them out of validation, so they must not constrain anything.
func TestSchemaJobSectionsOnlyAnnotate(t *testing.T) {
	t.Parallel()
	var doc struct {
		Defs struct {
			Step struct {
				AllOf []struct {
					Then struct {
						Properties struct {
							With struct {
								Properties map[string]map[string]any `json:"properties"`
							} `json:"with"`
						} `json:"properties"`
					} `json:"then"`
				} `json:"allOf"`
			} `json:"step"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schema.JSONSchema(), &doc); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Defs struct {
			Step struct {
				AllOf []map[string]json.RawMessage `json:"allOf"`
			} `json:"step"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schema.JSONSchema(), &raw); err != nil {
		t.Fatal(err)
	}
	for i, a := range raw.Defs.Step.AllOf {
		if len(a) != 2 || a["if"] == nil || a["then"] == nil {
			t.Errorf("allOf[%d] has keys beyond if and then", i)
		}
		var then map[string]map[string]map[string]json.RawMessage
		if err := json.Unmarshal(a["then"], &then); err != nil || len(then) != 1 ||
			len(then["properties"]) != 1 || len(then["properties"]["with"]) != 1 {
			t.Errorf("allOf[%d].then holds more than with.properties: %s", i, a["then"])
		}
		for name, p := range doc.Defs.Step.AllOf[i].Then.Properties.With.Properties {
			for k := range p {
				if k != "description" && k != "examples" {
					t.Errorf("allOf[%d]: parameter %s has keyword %q", i, name, k)
				}
			}
		}
	}
}
