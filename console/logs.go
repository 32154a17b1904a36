package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MainLog is the logType of the log the official client shows for a job
// step.
const MainLog = "MAIN_LOG"

// DefaultLogLines is how many lines the official client asks for in one
// read of a log.
const DefaultLogLines = 3000

// LogDescriptor is one entry of GET /api/jobs/{guid}/steps/{step}/logs.
type LogDescriptor struct {
	LogName  string `json:"logName"`
	LogType  string `json:"logType"`
	Finished bool   `json:"finished"`
}

// LogContent is one page of a log, the body of
// GET /api/jobs/{guid}/steps/{step}/logs/{logName}.
type LogContent struct {
	StartOffset int       `json:"startOffset"`
	NbLines     int       `json:"nbLines"` // lines in this page
	EndOfFile   bool      `json:"endOfFile"`
	Lines       []LogLine `json:"lines"`
}

// LogLine is one line of a LogContent.
type LogLine struct {
	Content string `json:"content"`
}

// Next returns the startOffset of the page after p: its own plus the
// lines it holds, as the official client counts them (from nbLines; from
// the lines themselves when nbLines is missing).
func (p LogContent) Next() int {
	n := p.NbLines
	if n <= 0 {
		n = len(p.Lines)
	}
	return p.StartOffset + n
}

// StepLogs returns the log files of step of job jobGUID, from
// GET /api/jobs/{guid}/steps/{step}/logs; step is a progressStep value
// such as "unzip_source". A step that has not started has none.
func (c *Client) StepLogs(ctx context.Context, jobGUID, step string) ([]LogDescriptor, error) {
	var logs []LogDescriptor
	if err := c.do(ctx, http.MethodGet, stepLogsPath(jobGUID, step), nil, &logs); err != nil {
		return nil, err
	}
	return logs, nil
}

// FindMainLog returns the first log of a step whose logType is MAIN_LOG,
// compared without regard to case, as the official client picks it. The
// bool is false, with a nil error, when the step has none yet.
func (c *Client) FindMainLog(ctx context.Context, jobGUID, step string) (LogDescriptor, bool, error) {
	logs, err := c.StepLogs(ctx, jobGUID, step)
	if err != nil {
		return LogDescriptor{}, false, err
	}
	for _, l := range logs {
		if strings.EqualFold(l.LogType, MainLog) && l.LogName != "" {
			return l, true, nil
		}
	}
	return LogDescriptor{}, false, nil
}

// ReadLog returns at most nbLines lines (DefaultLogLines when nbLines is
// 0 or less) of log logName of a step, from line startOffset on, from
// GET /api/jobs/{guid}/steps/{step}/logs/{logName}. The next page starts
// at the returned content's Next.
//
// The Client's API key, or password, is replaced by "[redacted]" in every
// line, in case a job logs the credentials it was given; nothing else is
// masked. Lines are returned in the Console's order.
func (c *Client) ReadLog(ctx context.Context, jobGUID, step, logName string, startOffset,
	nbLines int) (LogContent, error) {
	if nbLines <= 0 {
		nbLines = DefaultLogLines
	}
	q := url.Values{}
	q.Set("nbLines", strconv.Itoa(nbLines))
	q.Set("startOffset", strconv.Itoa(max(startOffset, 0)))
	path := stepLogsPath(jobGUID, step) + "/" + url.PathEscape(logName) + "?" + q.Encode()
	var content LogContent
	if err := c.do(ctx, http.MethodGet, path, nil, &content); err != nil {
		return LogContent{}, err
	}
	if key := string(c.auth.key); key != "" {
		for i, l := range content.Lines {
			content.Lines[i].Content = strings.ReplaceAll(l.Content, key, redacted)
		}
	}
	return content, nil
}

func stepLogsPath(jobGUID, step string) string {
	return jobPath(jobGUID) + "/steps/" + url.PathEscape(step) + "/logs"
}
