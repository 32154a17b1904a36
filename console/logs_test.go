package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aipflow/runner/console"
)

// The main log of a finished step is found by its type and read page by
// page from the offsets the Console gives.
func TestReadLogPages(t *testing.T) {
	sim, ts := newSim(t, nil)
	app := sim.AddApplication("Webi")
	c := newClient(t, ts.URL, nil)
	ctx := context.Background()
	start, err := c.SubmitJob(ctx, "BACKUP", map[string]string{"appGuid": app})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wait(ctx, start.JobGUID, fastWait); err != nil {
		t.Fatal(err)
	}

	l, ok, err := c.FindMainLog(ctx, start.JobGUID, "backup")
	if err != nil || !ok || l.LogType != console.MainLog || !l.Finished {
		t.Fatalf("FindMainLog = %+v, %v, %v; want a finished MAIN_LOG", l, ok, err)
	}
	var lines []string
	offset := 0
	for range 10 {
		page, err := c.ReadLog(ctx, start.JobGUID, "backup", l.LogName, offset, 2)
		if err != nil {
			t.Fatal(err)
		}
		if page.StartOffset != offset || len(page.Lines) > 2 {
			t.Fatalf("page at %d = %+v", offset, page)
		}
		for _, line := range page.Lines {
			lines = append(lines, line.Content)
		}
		offset = page.Next()
		if page.EndOfFile {
			break
		}
	}
	if len(lines) != 3 || !strings.Contains(lines[0], "step backup started") ||
		!strings.Contains(lines[2], "done") {
		t.Errorf("log lines = %q, want the step's three lines in order", lines)
	}
	reqs := requestsTo(sim, http.MethodGet, "/api/jobs/"+start.JobGUID+"/steps/backup/logs/"+l.LogName)
	if len(reqs) == 0 || reqs[0].Query != "nbLines=2&startOffset=0" {
		t.Errorf("log requests %+v, want the query nbLines=2&startOffset=0 first", reqs)
	}
}

// A step that has not started has no main log yet.
func TestFindMainLogNone(t *testing.T) {
	_, ts := newSim(t, func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/logs") {
			reply(w, http.StatusOK, "application/json",
				`[{"logName":"x.log","logType":"DEBUG_LOG","finished":false}]`)
			return true
		}
		return false
	})
	c := newClient(t, ts.URL, nil)
	_, ok, err := c.FindMainLog(context.Background(), "job", "analyze")
	if err != nil || ok {
		t.Errorf("FindMainLog = %v, %v; want no MAIN_LOG and no error", ok, err)
	}
}

// A job that logs the credentials it was given does not pass the API key
// on; nothing else of the line is masked.
func TestReadLogMasksAPIKey(t *testing.T) {
	_, ts := newSim(t, func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/logs/") {
			reply(w, http.StatusOK, "application/json", `{"startOffset":0,"nbLines":2,`+
				`"endOfFile":true,"lines":[{"content":"INFO host aip-node:8082 key=`+testKey+
				`"},{"content":"INFO done"}]}`)
			return true
		}
		return false
	})
	c := newClient(t, ts.URL, nil)
	page, err := c.ReadLog(context.Background(), "job", "analyze", "analyze.log", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []console.LogLine{{Content: "INFO host aip-node:8082 key=[redacted]"},
		{Content: "INFO done"}}
	if len(page.Lines) != 2 || page.Lines[0] != want[0] || page.Lines[1] != want[1] {
		t.Errorf("lines = %+v, want %+v", page.Lines, want)
	}
	if page.Next() != 2 {
		t.Errorf("Next() = %d, want 2", page.Next())
	}
}
