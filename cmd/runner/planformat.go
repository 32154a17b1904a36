package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/engine"
)

// planDoc is the document plan --format json prints; planLong describes
// its fields to users, so a change of name is a change of contract.
type planDoc struct {
	Workflow string         `json:"workflow"`
	Inputs   map[string]any `json:"inputs"`
	Waves    [][]string     `json:"waves"`
	Steps    []planStep     `json:"steps"`
	Items    []planItem     `json:"items,omitempty"` // a matrix workflow's items; steps is then empty
}

type planItem struct {
	Label string     `json:"label"`
	Steps []planStep `json:"steps"`
}

type planStep struct {
	ID        string              `json:"id"`
	Kind      string              `json:"kind"`
	Wave      int                 `json:"wave"`
	Needs     []string            `json:"needs"`
	Inferred  []string            `json:"inferred"`
	Condition planCondition       `json:"condition"`
	Request   *console.JobRequest `json:"request,omitempty"`
	Upload    *planUpload         `json:"upload,omitempty"`
	Query     *planQuery          `json:"query,omitempty"`
	Problems  []string            `json:"problems,omitempty"`
}

type planCondition struct {
	Source      string `json:"source"`
	Default     bool   `json:"default"`
	WithSuccess bool   `json:"withSuccess"`
	Outcome     string `json:"outcome"`
}

// planUpload is the archive a step uploads before its job.
type planUpload struct {
	Source string `json:"source"` // as source: writes it
	File   string `json:"file"`
	Size   int64  `json:"size"`
}

type planQuery struct {
	Kind       string            `json:"kind"`
	Parameters map[string]string `json:"parameters"`
}

func writePlanJSON(w io.Writer, dr *engine.DryRun) error {
	doc := planDoc{Workflow: dr.Workflow, Inputs: dr.Inputs, Waves: dr.Waves, Steps: []planStep{}}
	if doc.Inputs == nil {
		doc.Inputs = map[string]any{}
	}
	doc.Steps = planSteps(dr.Steps)
	for _, it := range dr.Items {
		doc.Items = append(doc.Items, planItem{Label: it.Label, Steps: planSteps(it.Steps)})
	}
	_, err := io.WriteString(w, jsonText(doc, "", "  ")+"\n")
	return err
}

// planSteps converts the steps of a dry run for the JSON document.
func planSteps(steps []*engine.DryStep) []planStep {
	out := []planStep{}
	for _, s := range steps {
		ps := planStep{
			ID: s.ID, Kind: s.Kind, Wave: s.Wave, Needs: []string{}, Inferred: []string{},
			Condition: planCondition{
				Source: s.If.Source, Default: s.If.Default, WithSuccess: s.If.WithSuccess,
				Outcome: string(s.If.Outcome),
			},
			Problems: s.Problems,
		}
		for _, e := range s.Deps {
			if e.Inferred {
				ps.Inferred = append(ps.Inferred, e.From)
			} else {
				ps.Needs = append(ps.Needs, e.From)
			}
		}
		if u := s.Upload; u != nil {
			ps.Upload = &planUpload{Source: u.Path, File: u.File, Size: u.Size}
		}
		if s.JobType != "" {
			ps.Request = &console.JobRequest{JobType: s.JobType, JobParameters: s.Params}
		} else {
			ps.Query = &planQuery{Kind: strings.TrimPrefix(s.Kind, "query "), Parameters: s.Params}
		}
		out = append(out, ps)
	}
	return out
}

// writePlanText prints a dry run for people: the waves, then each step.
func writePlanText(w io.Writer, dr *engine.DryRun) error {
	var b bytes.Buffer
	n := 0
	for _, ids := range dr.Waves {
		n += len(ids)
	}
	fmt.Fprintf(&b, "workflow %s: %s in %s", dr.Workflow, plural(n, "step"), plural(len(dr.Waves), "wave"))
	if len(dr.Items) > 0 {
		fmt.Fprintf(&b, ", for each of %s", plural(len(dr.Items), "matrix item"))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "inputs: %s\n\n", inputsText(dr.Inputs))
	for i, ids := range dr.Waves {
		fmt.Fprintf(&b, "wave %d: %s\n", i+1, strings.Join(ids, ", "))
	}
	writeStepsText(&b, dr.Steps)
	for _, it := range dr.Items {
		fmt.Fprintf(&b, "\n=== item %s\n", it.Label)
		writeStepsText(&b, it.Steps)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeStepsText prints each step of a dry run: what it is, what it
// needs, its condition and what it would send.
func writeStepsText(b *bytes.Buffer, steps []*engine.DryStep) {
	for _, s := range steps {
		fmt.Fprintf(b, "\n%s\n", s.ID)
		field(b, "kind", s.Kind)
		field(b, "wave", fmt.Sprint(s.Wave))
		field(b, "needs", needsText(s.Deps))
		field(b, "if", conditionText(s.If))
		if o := outcomeText(s.If.Outcome); o != "" && !s.If.Default {
			field(b, "", o)
		}
		if s.Upload != nil {
			field(b, "upload", uploadText(s.Upload))
		}
		if s.JobType != "" {
			field(b, "request", "POST /api/jobs")
			body := console.JobRequest{JobType: s.JobType, JobParameters: s.Params}
			fmt.Fprintf(b, "    %s\n", jsonText(body, "    ", "  "))
		} else {
			field(b, "lookup", "")
			fmt.Fprintf(b, "    %s\n", jsonText(s.Params, "    ", "  "))
		}
		for i, p := range s.Problems {
			name := "problem"
			if i > 0 {
				name = ""
			}
			field(b, name, p)
		}
	}
}

// uploadText describes the archive a step uploads: its path as written,
// the file it names when that reads differently, and its size.
func uploadText(u *engine.DryUpload) string {
	text := u.Path
	if filepath.Clean(u.Path) != u.File {
		text += " (" + u.File + ")"
	}
	return text + ", " + plural(int(u.Size), "byte")
}

// field prints one "name: value" line of a step, values aligned.
func field(b *bytes.Buffer, name, value string) {
	if name != "" {
		name += ":"
	}
	fmt.Fprintln(b, strings.TrimRight(fmt.Sprintf("  %-9s %s", name, value), " "))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// inputsText lists inputs as name=value, sorted, values in JSON so that
// text and numbers, and an empty text, are told apart.
func inputsText(inputs map[string]any) string {
	if len(inputs) == 0 {
		return "none"
	}
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name + "=" + jsonText(inputs[name], "", "")
	}
	return strings.Join(parts, " ")
}

func needsText(deps []engine.Edge) string {
	if len(deps) == 0 {
		return "none"
	}
	parts := make([]string, len(deps))
	for i, e := range deps {
		parts[i] = e.From
		if e.Inferred {
			parts[i] += " (inferred)"
		}
	}
	return strings.Join(parts, ", ")
}

func conditionText(c engine.DryCondition) string {
	switch {
	case c.Default:
		return c.Source + " (default)"
	case c.WithSuccess:
		return c.Source + ", and success()"
	}
	return c.Source
}

func outcomeText(o engine.DryOutcome) string {
	switch o {
	case engine.WouldRun:
		return "true with these inputs"
	case engine.WouldSkip:
		return "skipped: condition false with these inputs"
	case engine.DecidedAtRunTime:
		return "decided at run time"
	case engine.WouldFail:
		return "cannot be evaluated with these inputs"
	}
	return ""
}

// jsonText encodes v as JSON: on one line when indent is "", else
// indented, each line after the first starting with prefix. Map keys come
// sorted, and < > & stay as they are so that placeholders read well.
func jsonText(v any, prefix, indent string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, indent)
	if err := enc.Encode(v); err != nil {
		// Only maps of strings and plain values reach here.
		return fmt.Sprintf("%v", v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
