package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/engine"
)

type resumeFlags struct {
	execFlags
	force    bool
	resubmit bool   // --resubmit: submit again the jobs that may have been submitted
	file     string // --file: where the run's workflow file is now
}

const resumeLong = `resume goes on with a run that stopped: a CI agent that died, a run that
was interrupted, or one whose steps failed and whose cause is now fixed.
It reads the run's journal (<state-dir>/runs/RUN_ID.json) and the workflow
file the run began with, with the same inputs, and then:

  - keeps the steps that completed, and those skipped, with their outputs;
  - re-attaches to the Console jobs that were running when the run
    stopped: it polls them by their saved GUID and never submits them
    again;
  - re-attaches likewise to the jobs it canceled on an interrupt or a
    timeout without the Console confirming the cancel: they may run still;
  - runs again the steps that failed, were canceled, or did not start.

A run whose steps all completed already is not run again: resume says so,
prints its summary and exits 0.

resume warns when the workflow file changed since the run began, and
refuses (exit 2) when the definition of a step that completed changed,
since its kept result would no longer match the file; --force resumes
anyway, as it does a run whose journal says that a process on this host
still runs it.

resume also refuses (exit 2), before sending anything, a run in which the
job of a step may have been submitted although the runner never learned
its GUID: the Console's answer to the POST was lost, or the run stopped
while the POST was on its way. The Console cannot be asked for such a job.
Check the Console: --resubmit submits the job again.

A run has a lock while a runner process runs or resumes it: a second
resume started meanwhile is refused (exit 2).`

func (a *app) resumeCmd() *cobra.Command {
	var f resumeFlags
	cmd := &cobra.Command{
		Use:   "resume RUN_ID",
		Short: "Go on with a run that stopped, without starting any job twice",
		Long:  resumeLong,
		Example: `  runner runs
  runner resume 20260102-030405-a1b2c3
  runner resume 20260102-030405-a1b2c3 --state-dir /var/lib/runner --report run.json`,
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return errors.New("missing run id (runner runs lists them)")
			case len(args) > 1:
				return fmt.Errorf("unexpected argument %q", args[1])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.resume(cmd.Context(), args[0], &f)
		},
	}
	fs := cmd.Flags()
	a.registerExec(fs, &f.execFlags)
	// A simulator started by this process knows no job of the run; tests
	// pass --simulate with the simulator the run used.
	_ = fs.MarkHidden("simulate")
	fs.StringVar(&f.file, "file", "",
		"the run's workflow `FILE`, when it moved since the run began (a new checkout, another\n"+
			"agent); by default the path the run began with")
	fs.BoolVar(&f.force, "force", false,
		"resume even when a completed step's definition changed, or the run seems to\n"+
			"be running still")
	fs.BoolVar(&f.resubmit, "resubmit", false,
		"submit again the jobs that may have been submitted already (their POST got no\n"+
			"answer): check the Console first")
	return cmd
}

func (a *app) resume(ctx context.Context, id string, f *resumeFlags) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.conn.simulate && a.simulator == nil {
		return withCode(exitInvalid, fmt.Errorf("--simulate: a simulator started now knows "+
			"no job of run %s; resume it against the Console it ran against", id))
	}
	store := engine.Store{Dir: f.stateDir}
	if _, err := loadRun(store, id); err != nil {
		return err
	}
	// Held until the resume ends: a second resume of the run is refused,
	// rather than both submitting the steps left. The journal is read
	// again under the lock, as a resume that just ended may have changed it.
	unlock, err := store.Lock(id)
	if err != nil {
		return withCode(exitInvalid, err)
	}
	defer unlock()
	j, err := loadRun(store, id)
	if err != nil {
		return err
	}
	if done, total := j.Progress(); done == total {
		a.progressf("run %s: all %s completed, were skipped or failed with "+
			"continue-on-error: nothing to resume\n", id, plural(total, "step"))
		res := j.Result()
		// A process killed after its last step, before its last write,
		// leaves the run running in its journal; its steps say otherwise,
		// and the journal is told so, for runner runs.
		res.State = engine.RunCompleted
		if j.State == engine.RunRunning {
			if err := store.End(j, engine.RunCompleted, time.Now()); err != nil {
				fmt.Fprintf(a.stderr, "runner: warning: %v\n", err)
			}
		}
		printSummary(a.stdout, res)
		meta := runMeta{File: j.File, Resumed: len(j.Resumed)}
		if err := a.writeReports(&f.execFlags, res, meta, textInputs(j.Inputs)); err != nil {
			fmt.Fprintf(a.stderr, "runner: %v\n", err)
		}
		return nil
	}
	if err := a.checkNotRunning(j, f.force); err != nil {
		return err
	}
	p, inputs, src, err := a.reload(j, f.file, f.force)
	if err != nil {
		return err
	}
	if err := a.checkSubmits(p, j, f.resubmit); err != nil {
		return err
	}
	c, err := a.connectWithin(ctx, &f.conn, f.timeout)
	if err != nil {
		return err
	}
	defer c.close()

	done, total := j.Progress()
	a.runLine(fmt.Sprintf("resuming run %s: workflow %s, %d of %s done\n",
		id, p.Workflow.Name, done, plural(total, "step")), "run resumed", id,
		"workflow", p.Workflow.Name, "steps", total, "done", done)
	return a.execute(ctx, p, c, &f.execFlags, engine.Options{
		Inputs: inputs, RunID: j.RunID, Source: src, Resume: j, Resubmit: f.resubmit,
	})
}

// checkSubmits refuses, before anything is sent, to resume a run in which
// jobs may have been submitted without the journal learning their GUIDs:
// resume could neither wait for them nor know that submitting them again
// does not run them twice. With resubmit it warns and lets them be
// submitted again.
func (a *app) checkSubmits(p *engine.Plan, j *engine.Journal, resubmit bool) error {
	err := engine.CheckSubmits(p, j)
	var se *engine.SubmitUnknownError
	if !errors.As(err, &se) {
		return err
	}
	if !resubmit {
		them := "it"
		if len(se.Steps) > 1 {
			them = "them"
		}
		return withCode(exitInvalid, fmt.Errorf("%w; the runner cannot look such a job up "+
			"(Console 1.x lists no jobs): check the Console, then pass --resubmit to submit %s again",
			err, them))
	}
	names := make([]string, len(se.Steps))
	for i, u := range se.Steps {
		names[i] = u.Name()
	}
	fmt.Fprintf(a.stderr, "runner: warning: submitting again (--resubmit) the jobs that may have been "+
		"submitted already: %s\n", strings.Join(names, ", "))
	return nil
}

// resumeHint adds to the error of a run that did not succeed how to go
// on with it. A job that may have been submitted although its POST got no
// answer is named first: resume refuses to submit it again unless told to.
func resumeHint(err error, res *engine.Result, runID, stateDir string) error {
	cmd := "runner resume " + runID
	if stateDir != defaultStateDir {
		cmd += " --state-dir " + stateDir
	}
	var unsure []string
	for _, it := range res.Items {
		for _, s := range it.Steps {
			if s.SubmitUnknown {
				unsure = append(unsure, engine.StepName(s.ID, it.Label))
			}
		}
	}
	switch len(unsure) {
	case 0:
		return addToError(err, "resume it with: "+cmd)
	case 1:
		return addToError(err, fmt.Sprintf("the job of step %s may have been submitted although "+
			"its POST got no answer: check the Console; if the job is not there, resume with: %s "+
			"--resubmit, which submits it again", unsure[0], cmd))
	}
	return addToError(err, fmt.Sprintf("the jobs of steps %s may have been submitted although "+
		"their POST got no answer: check the Console; if they are not there, resume with: %s "+
		"--resubmit, which submits them again", strings.Join(unsure, ", "), cmd))
}

// loadRun reads the journal of a run. An unknown run id exits 2 with the
// ids of the latest runs; a journal that cannot be read exits 2 naming
// its file.
func loadRun(store engine.Store, id string) (*engine.Journal, error) {
	j, err := store.Load(id)
	switch {
	case errors.Is(err, engine.ErrUnknownRun):
		return nil, withCode(exitInvalid, fmt.Errorf("%v; %s", err, knownRuns(store)))
	case err != nil:
		return nil, withCode(exitInvalid, err)
	}
	return j, nil
}

// knownRuns names the latest runs of a store, for an unknown run id.
func knownRuns(store engine.Store) string {
	ids, err := store.IDs()
	if err != nil || len(ids) == 0 {
		return "there are no runs in " + store.Dir
	}
	const shown = 5
	latest := ids[max(len(ids)-shown, 0):]
	msg := "known runs: " + strings.Join(latest, ", ")
	if len(ids) > shown {
		msg += fmt.Sprintf(" and %d older", len(ids)-shown)
	}
	return msg + " (runner runs lists them)"
}

// checkNotRunning refuses to resume a run that a live process on this
// host still runs, as its journal says: both would submit the steps left.
// A run begun on another host cannot be checked; it gets a warning.
func (a *app) checkNotRunning(j *engine.Journal, force bool) error {
	if j.State != engine.RunRunning || force || j.PID == os.Getpid() {
		return nil
	}
	host, _ := os.Hostname()
	if j.Host != host {
		fmt.Fprintf(a.stderr, "warning: run %s was started on host %s and may still run there\n",
			j.RunID, j.Host)
		return nil
	}
	if !processAlive(j.PID) {
		return nil
	}
	return withCode(exitInvalid, fmt.Errorf("run %s is still running in process %d on this "+
		"host: stop it first, or pass --force if that process is another program", j.RunID, j.PID))
}

// reload loads the workflow file of a run, checks it against the journal
// and resolves the run's inputs for it.
func (a *app) reload(j *engine.Journal, file string, force bool) (*engine.Plan, map[string]any,
	engine.Source, error) {
	var src engine.Source
	if file == "" {
		file = j.File
	}
	p, err := a.load(file)
	if err != nil {
		fmt.Fprintf(a.stderr, "runner: run %s began with workflow %s; if it moved since, "+
			"give its path with --file\n", j.RunID, j.File)
		return nil, nil, src, err
	}
	if src, err = source(file); err != nil {
		return nil, nil, src, err
	}
	if src.Hash != j.FileHash {
		fmt.Fprintf(a.stderr, "runner: warning: workflow file %s changed since run %s began\n",
			file, j.RunID)
	}
	if changed := engine.ChangedSteps(p, j); len(changed) > 0 {
		if !force {
			return nil, nil, src, withCode(exitInvalid, fmt.Errorf("run %s: the definition of "+
				"completed steps changed since the run began: %s; their results would be kept "+
				"all the same: pass --force to resume anyway, or start a new run",
				j.RunID, strings.Join(changed, ", ")))
		}
		fmt.Fprintf(a.stderr, "runner: warning: keeping the results of changed steps "+
			"(--force): %s\n", strings.Join(changed, ", "))
	}
	inputs, err := engine.ResolveInputs(p.Workflow, j.Inputs)
	if err != nil {
		return nil, nil, src, withCode(exitInvalid,
			fmt.Errorf("run %s: its inputs do not fit the workflow any more: %w", j.RunID, err))
	}
	return p, inputs, src, nil
}

// textInputs returns a journal's inputs as a report shows them.
func textInputs(in map[string]string) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
