package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aipflow/runner/engine"
)

// The JUnit XML report of --junit, in the layout Jenkins (junit plugin)
// and GitLab (artifacts:reports:junit) read: a <testsuites> with one
// <testsuite> per matrix item (one for a workflow without matrix:), and
// one <testcase> per step, whose classname is the workflow's name, with
// "/" and the item's label in a matrix. A step that failed, was canceled
// or upstream_failed has a <failure>; a skipped step has <skipped>.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes the JUnit XML report of a run to file.
func writeJUnit(file string, res *engine.Result) error {
	data, err := xml.MarshalIndent(newJUnit(res), "", "  ")
	if err != nil {
		return err
	}
	data = append([]byte(xml.Header), data...)
	return os.WriteFile(file, append(data, '\n'), 0o644)
}

func newJUnit(res *engine.Result) *junitSuites {
	out := &junitSuites{Name: res.Workflow, Time: junitTime(res.Ended.Sub(res.Started))}
	for _, it := range res.Items {
		class := res.Workflow
		if it.Label != "" {
			class += "/" + it.Label
		}
		s := junitSuite{Name: class, Timestamp: res.Started.UTC().Format("2006-01-02T15:04:05")}
		var total time.Duration
		for _, st := range it.Steps {
			c := junitStep(class, st)
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Skipped != nil:
				s.Skipped++
			}
			s.Tests++
			total += st.Duration()
			s.Cases = append(s.Cases, c)
		}
		s.Time = junitTime(total)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	return out
}

func junitStep(class string, s *engine.StepResult) junitCase {
	c := junitCase{Name: s.ID, Classname: class, Time: junitTime(s.Duration())}
	switch s.State {
	case engine.Failed, engine.Canceled, engine.UpstreamFailed:
		msg := string(s.State)
		if s.Reason != "" {
			msg += ": " + s.Reason
		}
		if s.Ignored {
			msg += " (ignored: continue-on-error)"
		}
		c.Failure = &junitMessage{Message: msg, Type: string(s.State), Text: msg}
	case engine.Skipped:
		c.Skipped = &junitMessage{Message: s.Reason}
	}
	c.SystemOut = junitOut(s)
	return c
}

// junitOut is what a test case tells besides its state: the job, its
// attempts and the Console steps it went through.
func junitOut(s *engine.StepResult) string {
	var b strings.Builder
	if s.JobGUID != "" {
		fmt.Fprintf(&b, "job %s %s, %s\n", s.JobType, s.JobGUID, plural(s.Attempts, "attempt"))
	}
	for _, cs := range s.ConsoleSteps {
		fmt.Fprintf(&b, "%s  console step %s\n", cs.Started.UTC().Format(time.RFC3339), cs.Name)
	}
	if s.Kept {
		b.WriteString("kept from before the run was resumed\n")
	}
	return b.String()
}

func junitTime(d time.Duration) string {
	return fmt.Sprintf("%.3f", max(d, 0).Seconds())
}
