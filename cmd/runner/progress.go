package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/aipflow/runner/engine"
)

// progress prints one line per step state or Console progress change, and
// keeps track of the Console jobs that run, for a second interrupt.
type progress struct {
	w         io.Writer
	width     int // of the widest step id
	itemWidth int // of the widest matrix item label, brackets included
	live      *liveJobs
}

// newProgress returns a progress printer for a run of p; live may be nil.
func newProgress(w io.Writer, p *engine.Plan, live *liveJobs) *progress {
	if live == nil {
		live = &liveJobs{}
	}
	pr := &progress{w: w, live: live}
	for _, n := range p.Nodes {
		pr.width = max(pr.width, len(n.ID()))
	}
	for _, l := range p.ItemLabels() {
		pr.itemWidth = max(pr.itemWidth, len(l)+2)
	}
	return pr
}

func (p *progress) event(e engine.Event) {
	p.live.see(e)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  ", e.Time.Format("15:04:05.000"))
	if e.Item != "" {
		fmt.Fprintf(&b, "%-*s  ", p.itemWidth, "["+e.Item+"]")
	}
	fmt.Fprintf(&b, "%-*s  %s", p.width, e.Step, e.State)
	switch {
	case e.State == engine.Waiting:
		fmt.Fprintf(&b, " for %s", e.Reason)
		fmt.Fprintln(p.w, b.String())
		return
	case e.Progress != "":
		fmt.Fprintf(&b, "  console step %s", e.Progress)
	case e.JobGUID != "" && e.State == engine.Running:
		fmt.Fprintf(&b, "  job %s", e.JobGUID)
		if e.Attempt > 1 {
			fmt.Fprintf(&b, ", attempt %d", e.Attempt)
		}
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, "  (%s)", e.Reason)
	}
	fmt.Fprintln(p.w, b.String())
}

// liveJobs is the set of Console jobs a run has submitted and not seen
// end, for the message of a second interrupt. It is safe for concurrent
// use; the zero value is empty and ready.
type liveJobs struct {
	mu   sync.Mutex
	jobs map[string]string // item and step -> job GUID
}

// see updates the set from a run's event.
func (l *liveJobs) see(e engine.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := e.Step
	if e.Item != "" {
		key = e.Step + " [" + e.Item + "]"
	}
	switch {
	case e.State == engine.Running && e.JobGUID != "":
		if l.jobs == nil {
			l.jobs = map[string]string{}
		}
		l.jobs[key] = e.JobGUID
	case e.State.Ended() || e.Reason != "":
		// Ended, or between two attempts of retry:.
		delete(l.jobs, key)
	}
}

// list returns "GUID (step)" for every job not seen ending, sorted.
func (l *liveJobs) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.jobs))
	for step, guid := range l.jobs {
		out = append(out, fmt.Sprintf("%s (%s)", guid, step))
	}
	sort.Strings(out)
	return out
}

// printSummary writes the table that closes every run, then the
// workflow's outputs: once per matrix item, under the item's label.
func printSummary(w io.Writer, res *engine.Result) {
	for i, it := range res.Items {
		if it.Label != "" {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "ITEM %s\n", it.Label)
		}
		printSteps(w, it.Steps)
		printOutputs(w, it.Outputs)
	}
}

func printSteps(w io.Writer, steps []*engine.StepResult) {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATE\tDURATION\tJOB\tNOTE")
	for _, s := range steps {
		d := "-"
		if s.Duration() > 0 {
			d = s.Duration().Round(10 * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.State, d, orDash(s.JobGUID), note(s))
	}
	tw.Flush()
	// A row with an empty last column would end in padding.
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

func printOutputs(w io.Writer, outputs map[string]any) {
	if len(outputs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nOUTPUTS")
	names := make([]string, 0, len(outputs))
	for k := range outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %s: %s\n", k, display(outputs[k]))
	}
}

// note says what a step did or why it did not: the version a step
// created, or the reason it failed or was skipped; then whether a resume
// kept it, whether its failure was ignored and how many times its job
// was submitted.
func note(s *engine.StepResult) string {
	parts := []string{what(s)}
	if s.Kept {
		parts = append(parts, "kept from the earlier run")
	}
	if s.Ignored {
		parts = append(parts, "ignored: continue-on-error")
	}
	if s.Attempts > 1 {
		parts = append(parts, fmt.Sprintf("%d attempts", s.Attempts))
	}
	return strings.TrimPrefix(strings.Join(parts, "; "), "; ")
}

func what(s *engine.StepResult) string {
	if s.Reason != "" {
		return s.Reason
	}
	if v, ok := s.Outputs["versionName"].(string); ok && s.Outputs["versionGuid"] != nil {
		return fmt.Sprintf("version %s (%v)", v, s.Outputs["versionGuid"])
	}
	if f, ok := s.Outputs["found"].(bool); ok {
		if !f {
			return "not found"
		}
		for _, k := range []string{"appGuid", "versionGuid", "nodeGuid"} {
			if v, ok := s.Outputs[k]; ok && v != nil {
				return fmt.Sprintf("found %s %v", k, v)
			}
		}
	}
	return ""
}

// canceledJobs lists, as "GUID (step)", the jobs of a run that the
// runner canceled and the Console confirmed, and those it could not
// confirm.
func canceledJobs(res *engine.Result) (confirmed, unconfirmed []string) {
	for _, it := range res.Items {
		for _, s := range it.Steps {
			if s.JobGUID == "" || s.State != engine.Canceled && !s.CancelUnconfirmed {
				continue
			}
			name := s.ID
			if it.Label != "" {
				name += " [" + it.Label + "]"
			}
			entry := fmt.Sprintf("%s (%s)", s.JobGUID, name)
			if s.CancelUnconfirmed {
				unconfirmed = append(unconfirmed, entry)
			} else {
				confirmed = append(confirmed, entry)
			}
		}
	}
	return confirmed, unconfirmed
}

func orDash(v any) any {
	if v == nil || v == "" {
		return "-"
	}
	return v
}

// display formats an output value: text as it is, nil as "-", anything
// else as JSON.
func display(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case string:
		if v == "" {
			return "-"
		}
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
