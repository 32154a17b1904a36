package consolesim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/aipflow/runner/console"
)

// These are the shapes of the step log endpoints (console-api.md, 2.7.4).
// They live here rather than in package console because the client did
// not need them when the simulator was written; they can move there as
// they are.

// logDescriptor is one entry of GET /api/jobs/{guid}/steps/{step}/logs.
type logDescriptor struct {
	LogName  string `json:"logName"`
	LogType  string `json:"logType"`
	Finished bool   `json:"finished"`
}

// logContent is one page of a log, the body of
// GET /api/jobs/{guid}/steps/{step}/logs/{logName}.
type logContent struct {
	StartOffset int       `json:"startOffset"`
	NbLines     int       `json:"nbLines"`
	EndOfFile   bool      `json:"endOfFile"`
	Lines       []logLine `json:"lines"`
}

type logLine struct {
	Content string `json:"content"`
}

// defaultLogLines is the page size when a request gives no nbLines; the
// official client asks for 3000.
const defaultLogLines = 3000

// stepLog returns the lines of the main log of a job's step, whether the
// step has finished, and whether it has started at all. The lines are
// made up: a start line, a line naming the job, Options.LogLines
// numbered progress lines and, once the step is over, a line telling how
// it ended.
func (s *Server) stepLog(j *job, step string) (lines []string, finished, started bool) {
	i := indexStep(j.steps, step)
	running := j.started && !j.terminal() && i == j.next
	if i < 0 || (i >= len(j.done) && !running) {
		return nil, false, false
	}
	step = j.steps[i]
	lines = []string{
		fmt.Sprintf("INFO  step %s started", step),
		fmt.Sprintf("INFO  job %s (%s) on application %s: %s", j.guid, j.jobType, j.appName, step),
	}
	for n := range s.opts.LogLines {
		lines = append(lines, fmt.Sprintf("INFO  step %s progress %d of %d", step, n+1, s.opts.LogLines))
	}
	if running {
		return lines, false, true
	}
	switch {
	case step == j.failureStep:
		lines = append(lines, fmt.Sprintf("ERROR step %s failed", step))
	case i == len(j.done)-1 && j.state == console.StateCanceled:
		lines = append(lines, fmt.Sprintf("WARN  step %s canceled", step))
	default:
		lines = append(lines, fmt.Sprintf("INFO  step %s done in %d ms", step, j.done[i].Duration))
	}
	return lines, true, true
}

// getLogs answers GET /api/jobs/{guid}/steps/{step}/logs: one MAIN_LOG
// once the step has started, an empty array before.
func (s *Server) getLogs(c *call) response {
	j := s.visibleJob(c.args[0])
	if j == nil {
		return errorf(http.StatusNotFound, "job not found")
	}
	step := c.args[1]
	if indexStep(j.steps, step) < 0 {
		return errorf(http.StatusNotFound, "job has no step %q", step)
	}
	logs := []logDescriptor{}
	if _, finished, started := s.stepLog(j, step); started {
		logs = append(logs, logDescriptor{
			LogName:  logName(step),
			LogType:  "MAIN_LOG",
			Finished: finished,
		})
	}
	return reply(http.StatusOK, logs)
}

// getLogLines answers GET /api/jobs/{guid}/steps/{step}/logs/{logName}
// with the lines from startOffset on, at most nbLines of them.
func (s *Server) getLogLines(c *call) response {
	j := s.visibleJob(c.args[0])
	if j == nil {
		return errorf(http.StatusNotFound, "job not found")
	}
	step, name := c.args[1], c.args[2]
	lines, finished, started := s.stepLog(j, step)
	if !started || name != logName(step) {
		return errorf(http.StatusNotFound, "log not found")
	}
	q := c.req.URL.Query()
	offset, err := intParam(q.Get("startOffset"), 0)
	if err != nil {
		return errorf(http.StatusBadRequest, "startOffset: %v", err)
	}
	limit, err := intParam(q.Get("nbLines"), defaultLogLines)
	if err != nil {
		return errorf(http.StatusBadRequest, "nbLines: %v", err)
	}

	page := logContent{StartOffset: offset, Lines: []logLine{}}
	for i := offset; i < len(lines) && len(page.Lines) < limit; i++ {
		page.Lines = append(page.Lines, logLine{Content: lines[i]})
	}
	page.NbLines = len(page.Lines)
	page.EndOfFile = finished && offset+page.NbLines >= len(lines)
	return reply(http.StatusOK, page)
}

func logName(step string) string {
	return strings.ToLower(step) + ".log"
}

// intParam parses a non-negative query parameter, or returns def if empty.
func intParam(v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a non-negative integer, got %q", v)
	}
	return n, nil
}
