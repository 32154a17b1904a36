package consolesim

import (
	"fmt"
	"slices"
	"strings"
)

// The final step of the analysis pipeline has two names: Console 1.16 and
// later call it upload_application, and the v1 client still sends the older
// consolidate_snapshot as endStep. Both name the same step here.
const (
	finalStep      = "upload_application"
	finalStepAlias = "consolidate_snapshot"
)

// canonStep returns the name a step is compared by: lower-case, with the
// final step's alias folded into its newer name.
func canonStep(name string) string {
	name = strings.ToLower(name)
	if name == finalStepAlias {
		return finalStep
	}
	return name
}

func sameStep(a, b string) bool {
	return canonStep(a) == canonStep(b)
}

// A stage is one step of a job type's pipeline.
type stage struct {
	name string
	// when, if set, tells from the job parameters whether the step runs.
	// A step named as startStep or endStep runs regardless.
	when func(params map[string]string) bool
}

// paramTrue returns a condition that holds when the parameter is "true".
func paramTrue(name string) func(map[string]string) bool {
	return func(p map[string]string) bool { return strings.EqualFold(p[name], "true") }
}

// onlyNamed is the condition of steps that run only when a request names
// them: nothing in the sources says which parameter switches them on.
func onlyNamed(map[string]string) bool { return false }

// The pipelines follow section 4.3 of the fact sheet, whose order is
// inferred from the clients' choices of start and end steps.
var (
	declareStages = []stage{
		{name: "create_delivery_folder"},
		{name: "restore_triplet"},
		{name: "import_preferences"},
		{name: "manage_application"},
	}
	analysisStages = []stage{
		{name: "accept"},
		{name: "setcurrent"},
		{name: "update_extensions", when: onlyNamed},
		{name: "analyze"},
		{name: "prepare_analysis_data", when: paramTrue("processImaging")},
		{name: "process_imaging", when: paramTrue("processImaging")},
		{name: "snapshot"},
		{name: "validate_snapshot", when: onlyNamed},
		{name: "snapshot_indicator"},
		{name: finalStep},
	}
)

// deliveryStages returns the delivery half of the add_version pipeline, or
// of clone_version when clone is set.
func deliveryStages(clone bool) []stage {
	create := []stage{{name: "add_version"}}
	attach := []stage{{name: "attach_package_to_version"}}
	if clone {
		create = []stage{{name: "copy_from_version"}}
		attach = []stage{{name: "copy_and_attach_packages"}, {name: "attach_package_to_version"}}
	}
	return slices.Concat(
		[]stage{
			{name: "unzip_source"},
			{name: "code_scanner"},
			{name: "install_extensions", when: paramTrue("extensionAutoConfigEnabled")},
			{name: "backup", when: paramTrue("backupApplication")},
		},
		create,
		[]stage{{name: "create_package"}},
		attach,
		[]stage{{name: "deliver_version"}},
	)
}

// A kind describes one job type: its steps and what a request must give.
type kind struct {
	stages     []stage
	required   []string // job parameters that must be present and non-empty
	newVersion bool     // the job creates a version when it is submitted
}

// kinds holds every Console 1.x job type (section 3.2), by lower-case name.
// Types whose pipeline no source describes run one step named after them.
var kinds = func() map[string]kind {
	app := []string{"appGuid"}
	source := []string{"appGuid", "sourcePath"}
	version := []string{"appGuid", "versionGuid"}
	add := slices.Concat(deliveryStages(false), analysisStages)
	clone := slices.Concat(deliveryStages(true), analysisStages)
	m := map[string]kind{
		"declare_application":     {stages: declareStages, required: []string{"appName"}},
		"add_version":             {stages: add, required: source, newVersion: true},
		"clone_version":           {stages: clone, required: source, newVersion: true},
		"analyze":                 {stages: analysisStages, required: version},
		"rescan_application":      {stages: clone, required: app, newVersion: true},
		"upload_deliver_version":  {stages: deliveryStages(false), required: app, newVersion: true},
		"upload_snapshot_version": {stages: add, required: app, newVersion: true},
	}
	for _, name := range []string{
		"reject_version", "delete_version", "purge_version", "delete_snapshot",
		"upload_application", "upload_snapshots", "consolidate_snapshot",
		"delete_application", "function_points", "deliver_version", "backup",
		"backup_measurement", "restore", "sherlock_backup", "edit_version",
		"sync_application", "dataflow_security_analyze",
	} {
		m[name] = kind{stages: []stage{{name: name}}, required: app}
	}
	return m
}()

// plan returns the steps a job of kind k runs for the given parameters:
// the pipeline from startStep through endStep, or all of it when they are
// absent. The final step keeps the spelling the request used for it.
func (k kind) plan(params map[string]string) ([]string, error) {
	start, end := params["startStep"], params["endStep"]
	var names []string
	for _, st := range k.stages {
		named := sameStep(st.name, start) || sameStep(st.name, end)
		if st.when != nil && !named && !st.when(params) {
			continue
		}
		names = append(names, finalSpelling(st.name, start, end))
	}

	first, last := 0, len(names)-1
	if start != "" {
		if first = indexStep(names, start); first < 0 {
			return nil, fmt.Errorf("startStep %q is not one of the steps %s",
				start, strings.Join(names, ", "))
		}
	}
	if end != "" {
		if last = indexStep(names, end); last < 0 {
			return nil, fmt.Errorf("endStep %q is not one of the steps %s",
				end, strings.Join(names, ", "))
		}
	}
	if first > last {
		return nil, fmt.Errorf("startStep %q comes after endStep %q", start, end)
	}
	return names[first : last+1], nil
}

// finalSpelling returns name, or for the final step the spelling of start
// or end when one of them names it.
func finalSpelling(name, start, end string) string {
	if canonStep(name) != finalStep {
		return name
	}
	for _, s := range []string{end, start} {
		if sameStep(s, name) {
			return strings.ToLower(s)
		}
	}
	return name
}

func indexStep(steps []string, name string) int {
	return slices.IndexFunc(steps, func(s string) bool { return sameStep(s, name) })
}

// failRules are the faults FailJob injects: jobs of a type (lower-case)
// fail at its step. The nil map injects nothing.
type failRules map[string]string

// FailJob makes every job of the given type (compared case-insensitively)
// submitted from now on end "failed" when it reaches step, with failureStep
// set to it. A job whose steps do not include step completes as usual. It
// replaces the rules set before; an empty jobType stops the injection.
func (s *Server) FailJob(jobType, step string) {
	s.FailJobs(map[string]string{jobType: step})
}

// FailJobs is FailJob for several job types at once: rules maps a job
// type to the step at which its jobs fail. It replaces the rules set
// before; an empty jobType or step is left out.
func (s *Server) FailJobs(rules map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = failRules{}
	for jobType, step := range rules {
		if jobType != "" && step != "" {
			s.fail[strings.ToLower(jobType)] = step
		}
	}
}

// index returns the index in steps at which a job of type jobType fails,
// or -1 if it does not.
func (f failRules) index(jobType string, steps []string) int {
	step, ok := f[jobType]
	if !ok {
		return -1
	}
	return indexStep(steps, step)
}
