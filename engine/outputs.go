package engine

import (
	"context"
	"fmt"

	"github.com/aipflow/runner/schema"
)

// jobOutputs are the outputs of every job step, plus those the job type
// takes from the parameters it was sent (versionName, backupName, ...).
// Those name what the job made, so they stay nil unless it completed: a
// failed analysis took no snapshot, whatever its snapshotName was.
func jobOutputs(jt *schema.JobType, start JobStart, st JobStatus,
	req map[string]string) map[string]any {
	params := make(map[string]any, len(req))
	for k, v := range req {
		params[k] = v
	}
	app := first(st.AppGUID, start.AppGUID, req["appGuid"])
	out := map[string]any{
		"jobGuid":      start.JobGUID,
		"state":        st.State,
		"progressStep": orNil(st.ProgressStep),
		"failureStep":  orNil(st.FailureStep),
		"appGuid":      orNil(app),
		"appName":      orNil(first(st.AppName, req["appName"])),
		"parameters":   params,
	}
	made := st.State == "completed"
	for _, name := range jt.Outputs {
		if _, ok := out[name]; !ok {
			out[name] = nil
			if made {
				out[name] = orNil(req[name])
			}
		}
	}
	return out
}

// versionOutputs finds the version a version-creating job made, by the
// name it was given: the Console's job status does not carry it.
func (r *runner) versionOutputs(ctx context.Context, jt *schema.JobType, sr *StepResult) error {
	if !jt.CreatesVersion {
		return nil
	}
	app, _ := sr.Outputs["appGuid"].(string)
	name := sr.Request["versionName"]
	v, ok, err := r.opts.Jobs.FindVersion(ctx, app, name)
	if err != nil {
		return fmt.Errorf("find version %q: %v", name, err)
	}
	if !ok {
		return fmt.Errorf("job completed but version %q is not in the application's versions", name)
	}
	sr.Outputs["versionGuid"], sr.Outputs["versionName"] = v.GUID, v.Name
	return nil
}

// declaredOutputs evaluates the step's own outputs: expressions over job,
// the final status document.
func (r *runner) declaredOutputs(n *Node, env map[string]any, st JobStatus, sr *StepResult) {
	if len(n.outs) == 0 {
		return
	}
	jenv := make(map[string]any, len(env))
	for k, v := range env {
		jenv[k] = v
	}
	jenv["job"] = st.Doc
	for _, o := range n.outs {
		v, err := o.t.render(jenv)
		if err != nil {
			sr.State, sr.Reason = Failed, fmt.Sprintf("outputs.%s: %v", o.name, err)
			return
		}
		sr.Outputs[o.name] = jsonSafe(v)
	}
}
