package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newTestWriter starts the journal of a run of one item with two steps.
func newTestWriter(t *testing.T) (*journalWriter, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs", "20261203-000000-abcdef.json")
	j := &Journal{
		Version: JournalVersion, RunID: "20261203-000000-abcdef", Workflow: "w", File: "w.yaml",
		StepHashes: map[string]string{"a": "x", "b": "y"}, State: RunRunning,
		Items: []JournalItem{{Steps: []JournalStep{{ID: "a", State: Pending}, {ID: "b", State: Pending}}}},
	}
	w, err := newJournalWriter(path, j, time.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w.f != nil {
			w.f.Close()
		}
	})
	return w, path
}

// TestJournalAppendsChanges checks that a write appends the records of
// the changes to the journal's document rather than writing it again, that
// LoadJournal replays them, and that the end of the run leaves one
// document.
func TestJournalAppendsChanges(t *testing.T) {
	w, path := newTestWriter(t)
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w.set(0, 0, JournalStep{ID: "a", State: Running, JobGUID: "g-1", Attempts: 1})
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	w.set(0, 0, JournalStep{ID: "a", State: Completed, JobGUID: "g-1", Attempts: 1})
	w.setOutputs(0, map[string]any{"v": "1"})
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, doc) || bytes.Count(data[len(doc):], []byte("\n")) != 3 {
		t.Fatalf("the journal is not its first document and three records:\n%s", data)
	}
	j, err := LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := j.Items[0].Steps[0]; s.State != Completed || s.JobGUID != "g-1" || j.Items[0].Outputs["v"] != "1" {
		t.Errorf("replayed step %+v, outputs %v", s, j.Items[0].Outputs)
	}

	w.end(RunCompleted, time.Now())
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var whole Journal
	if err := json.Unmarshal(data, &whole); err != nil {
		t.Fatalf("the journal of an ended run is not one document: %v", err)
	}
	if whole.State != RunCompleted || whole.Items[0].Steps[0].State != Completed {
		t.Errorf("ended journal: state %s, step %+v", whole.State, whole.Items[0].Steps[0])
	}
	if w.f != nil {
		t.Error("the journal file stays open after the run ended")
	}
}

// TestJournalRecordCutShort checks that a record a crash cut short, the
// last line without its newline, is left out, while a bad record before
// others makes the journal corrupt.
func TestJournalRecordCutShort(t *testing.T) {
	w, path := newTestWriter(t)
	w.set(0, 1, JournalStep{ID: "b", State: Running, JobGUID: "g-2", Attempts: 1})
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := `{"updated":"2026-12-03T00:00:00Z","item":0,"step":1,"set":{"id":"b","st`
	torn := append(bytes.Clone(good), cut...)
	if err := os.WriteFile(path, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := LoadJournal(path)
	if err != nil {
		t.Fatalf("a record cut short: %v", err)
	}
	if s := j.Items[0].Steps[1]; s.State != Running || s.JobGUID != "g-2" {
		t.Errorf("step b %+v, want the last whole record's", s)
	}

	bad := append(bytes.Clone(good), "{not json}\n"...)
	bad = append(bad, good[bytes.LastIndexByte(good[:len(good)-1], '\n')+1:]...)
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadJournal(path); err == nil {
		t.Error("a bad record before a good one was accepted")
	}
}

// TestJournalWrittenWholeWhenRecordsOutgrowIt checks that records are
// folded into a new document once they outgrow the old one, so that the
// file stays small.
func TestJournalWrittenWholeWhenRecordsOutgrowIt(t *testing.T) {
	w, path := newTestWriter(t)
	for i := range 3000 {
		w.set(0, i%2, JournalStep{ID: string(rune('a' + i%2)), State: Running, Attempts: i})
		if err := w.flush(); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 2*minAppended {
		t.Errorf("journal of %d bytes after 3,000 changes, want at most %d", fi.Size(), 2*minAppended)
	}
	j, err := LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := j.Items[0].Steps[1].Attempts; got != 2999 {
		t.Errorf("step b has %d attempts, want the last change's 2999", got)
	}
}

// TestJournalWriteErrorThenWhole checks that a failed append is returned
// to the caller, which then submits nothing, and that the next write is
// whole, so that the journal on disk recovers every change.
func TestJournalWriteErrorThenWhole(t *testing.T) {
	w, path := newTestWriter(t)
	w.f.Close() // the next append fails, as on a full disk
	w.set(0, 0, JournalStep{ID: "a", State: Running, Attempts: 1})
	if err := w.flush(); err == nil {
		t.Fatal("an append to a closed file succeeded")
	}
	if !w.pending() {
		t.Error("the change that was not written is not pending")
	}
	if err := w.flush(); err != nil {
		t.Fatalf("the whole write after a failed append: %v", err)
	}
	j, err := LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := j.Items[0].Steps[0]; s.State != Running || s.Attempts != 1 {
		t.Errorf("step a %+v, want the change the failed append lost", s)
	}
}

// TestJournalRecordOfAnotherStep checks that a record whose step id is not
// the id of the step it overwrites makes the journal corrupt, naming the
// line, rather than leaving two steps with one id.
func TestJournalRecordOfAnotherStep(t *testing.T) {
	w, path := newTestWriter(t)
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w.f.Close()
	w.f = nil
	bad := append(bytes.Clone(doc),
		`{"updated":"2026-12-03T00:00:00Z","item":0,"step":1,"set":{"id":"a","state":"completed"}}`+"\n"...)
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	line := bytes.Count(doc, []byte("\n")) + 1
	_, err = LoadJournal(path)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d: a record of step \"a\"", line)) {
		t.Errorf("got %v, want corrupt at line %d", err, line)
	}
}
