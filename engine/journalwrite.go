package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// journalWriter keeps a run's journal file up to date. Changes are
// recorded with set and written with flush; a step goroutine flushes its
// own change at once (its job's GUID must be on disk before the first
// poll), the run loop once per turn. Writes are grouped: a flush that
// finds its change written by another one returns at once.
//
// The file is the whole journal as one JSON document, followed by one
// line per change recorded since (a journalRecord), which LoadJournal
// replays. A flush appends the new records and syncs the file, so that a
// write costs the size of the change, not of the run; once the records
// outgrow the document, or when the run ends, the whole journal is
// written anew (a temporary file, synced, renamed over the old one), so
// that the file stays within twice the document and a finished run's
// journal is a single document. A record cut short by a crash is the
// last line of the file, and LoadJournal leaves it out.
//
// A journalWriter is safe for concurrent use. The nil *journalWriter
// records and writes nothing, for runs without a journal.
type journalWriter struct {
	path string
	now  func() time.Time
	log  *slog.Logger

	mu      sync.Mutex // guards head, items, recs, ended, seq and written
	head    Journal    // everything but Items and StepHashes
	hashes  []byte     // head's StepHashes, encoded once: they never change
	items   []rawItem
	recs    []byte // records not on disk yet, one line each
	ended   bool   // end was called: the next write is the last, whole
	seq     uint64 // changes recorded
	written uint64 // the last change on disk
	buf     bytes.Buffer

	// wmu is held while writing, so that pending, which the run loop
	// asks at every turn, never waits for a write and its sync.
	wmu    sync.Mutex // guards the fields below
	err    error      // the first write error
	f      *os.File   // the journal, open to append; nil: write it whole next
	doc    int        // size of the document last written whole
	logged int        // bytes of records appended to it since
}

// minAppended is how many bytes of records a journal may hold before it
// is written whole again, whatever the size of its document.
const minAppended = 256 << 10

// A journalRecord is one change of a journal, appended to its file.
type journalRecord struct {
	Updated time.Time       `json:"updated"`
	Item    int             `json:"item"`
	Step    *int            `json:"step,omitempty"`
	Set     json.RawMessage `json:"set,omitempty"`     // the step's new JournalStep
	Outputs json.RawMessage `json:"outputs,omitempty"` // the item's workflow outputs
}

// rawItem is a JournalItem whose steps are encoded already: a step is
// encoded by the goroutine that owns its result, when it records it, so
// that no other goroutine reads the result's maps while they change, and
// a write only joins the encoded steps.
type rawItem struct {
	label   string
	steps   []json.RawMessage
	outputs json.RawMessage // nil until the item ends
}

// newJournalWriter returns a writer of j, whose Items it takes apart,
// and writes the file once. Leftover temporary files of an earlier
// writer that was stopped in the middle of a write are removed.
func newJournalWriter(path string, j *Journal, now func() time.Time,
	log *slog.Logger) (*journalWriter, error) {
	w := &journalWriter{path: path, now: now, log: log, head: *j, hashes: mustJSON(j.StepHashes)}
	w.head.Items, w.head.StepHashes = nil, nil
	for _, it := range j.Items {
		ri := rawItem{label: it.Label}
		for _, s := range it.Steps {
			ri.steps = append(ri.steps, mustJSON(s))
		}
		if it.Outputs != nil {
			ri.outputs = mustJSON(it.Outputs)
		}
		w.items = append(w.items, ri)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, &JournalError{path, err}
	}
	removeTemps(path)
	w.seq = 1
	if err := w.flush(); err != nil {
		return nil, err
	}
	return w, nil
}

// set records the state of one step of one item.
func (w *journalWriter) set(item, step int, js JournalStep) {
	if w == nil {
		return
	}
	raw := mustJSON(js)
	rec := mustJSON(journalRecord{Updated: w.now().UTC(), Item: item, Step: &step, Set: raw})
	w.mu.Lock()
	defer w.mu.Unlock()
	w.items[item].steps[step] = raw
	w.record(rec)
}

// setOutputs records the workflow outputs of an item.
func (w *journalWriter) setOutputs(item int, outputs map[string]any) {
	if w == nil {
		return
	}
	raw := mustJSON(outputs)
	rec := mustJSON(journalRecord{Updated: w.now().UTC(), Item: item, Outputs: raw})
	w.mu.Lock()
	defer w.mu.Unlock()
	w.items[item].outputs = raw
	w.record(rec)
}

// end records the final state of the run.
func (w *journalWriter) end(state RunState, ended time.Time) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.head.State, w.head.Ended = state, ended
	w.ended = true
	w.seq++
}

// record queues a change's record for the next write; w.mu is held.
func (w *journalWriter) record(rec []byte) {
	w.recs = append(append(w.recs, rec...), '\n')
	w.seq++
}

// pending reports whether changes are recorded that are not on disk yet.
func (w *journalWriter) pending() bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq != w.written
}

// flush writes the changes recorded so far, unless they are on disk
// already: it appends their records, or writes the journal whole when
// the records have outgrown its document or the run has ended. It
// returns the error of this write, if any; the first error is logged
// once and kept for failed.
func (w *journalWriter) flush() error {
	if w == nil {
		return nil
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.mu.Lock()
	seq := w.seq
	if seq == w.written {
		w.mu.Unlock()
		return nil
	}
	recs := w.recs
	w.recs = nil
	whole := w.f == nil || w.ended || w.logged+len(recs) > max(w.doc, minAppended)
	var data []byte
	if whole {
		w.head.Updated = w.now().UTC()
		data = w.encode()
	}
	ended := w.ended
	w.mu.Unlock()

	var err error
	if whole {
		err = w.writeWhole(data, ended)
	} else {
		err = w.appendRecords(recs)
	}
	if err != nil {
		err = &JournalError{w.path, err}
		if w.err == nil {
			w.err = err
			w.log.Error("journal not written: the run cannot be resumed from here", "err", err)
		}
		return err
	}
	w.mu.Lock()
	w.written = seq
	w.mu.Unlock()
	return nil
}

// writeWhole replaces the journal file with data, then opens it to append
// later records, unless the run has ended. w.wmu is held.
func (w *journalWriter) writeWhole(data []byte, ended bool) error {
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	if err := writeFileAtomic(w.path, data); err != nil {
		return err
	}
	w.doc, w.logged = len(data), 0
	if ended {
		return nil
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	w.f = f
	return nil
}

// appendRecords appends records to the journal file and syncs it. After
// a failure the next write is whole, so that a record cut short is
// overwritten. w.wmu is held.
func (w *journalWriter) appendRecords(recs []byte) error {
	_, err := w.f.Write(recs)
	if err == nil {
		err = w.f.Sync()
	}
	if err != nil {
		w.f.Close()
		w.f = nil
		return err
	}
	w.logged += len(recs)
	return nil
}

// encode returns the journal as JSON: the run on the first line, then
// each item's steps one per line, so that a diff of two journals shows
// what changed. It runs with w.mu held; the bytes it returns are valid
// until the next call.
func (w *journalWriter) encode() []byte {
	// Items, the last field of Journal, is nil in head, and so is
	// StepHashes, whose encoding is kept: a workflow of thousands of steps
	// would otherwise sort and encode thousands of hashes at every write.
	head := mustJSON(&w.head)
	const noItems, noHashes = `,"items":null}`, `"stepHashes":null`
	i := bytes.Index(head, []byte(noHashes))
	if !bytes.HasSuffix(head, []byte(noItems)) || i < 0 {
		panic("engine: journal items are not the last field, or step hashes are missing")
	}
	size := len(head) + len(w.hashes) + 16
	for _, it := range w.items {
		size += len(it.label) + len(it.outputs) + 32
		for _, st := range it.steps {
			size += len(st) + 2
		}
	}
	b := &w.buf
	b.Reset()
	b.Grow(size)
	b.Write(head[:i+len(noHashes)-len("null")])
	b.Write(w.hashes)
	b.Write(head[i+len(noHashes) : len(head)-len(noItems)])
	b.WriteString(`,"items":[`)
	for i, it := range w.items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n{")
		if it.label != "" {
			b.WriteString(`"label":`)
			b.Write(mustJSON(it.label))
			b.WriteByte(',')
		}
		if it.outputs != nil {
			b.WriteString(`"outputs":`)
			b.Write(it.outputs)
			b.WriteByte(',')
		}
		b.WriteString(`"steps":[`)
		for k, s := range it.steps {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
			b.Write(s)
		}
		b.WriteString("\n]}")
	}
	b.WriteString("\n]}\n")
	return b.Bytes()
}

// failed returns the first error of a write, or nil.
func (w *journalWriter) failed() error {
	if w == nil {
		return nil
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	return w.err
}

// mustJSON encodes what the engine itself built: step results and
// outputs hold strings, numbers, booleans, nil, maps and slices only.
func mustJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		// An output may come from the Console's job document as decoded
		// JSON, which encodes again; anything else is a programmer error.
		panic(fmt.Sprintf("engine: encode journal: %v", err))
	}
	return data
}

// afterTempWrite, when not nil, is called by writeFileAtomic once the
// temporary file is written and synced, before it is renamed: tests stop
// the process there.
var afterTempWrite func()

// writeFileAtomic replaces the file at path with data, so that a reader,
// or the next process after a crash, finds either the old content or the
// new one: it writes a temporary file in the same directory, syncs it,
// renames it over path and syncs the directory, so that the rename
// itself survives a power cut.
func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if afterTempWrite != nil {
		afterTempWrite()
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for syncing, and its renames need no such step.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if dir == "" {
		dir = "."
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeTemps removes the temporary files writeFileAtomic leaves when its
// process dies between the write and the rename.
func removeTemps(path string) {
	dir, base := filepath.Split(path)
	matches, _ := filepath.Glob(filepath.Join(dir, "."+globEscape(base)+".tmp-*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

// globEscape escapes the characters filepath.Match treats specially; run
// ids hold none, but a caller's path may.
func globEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}
