package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Store is a directory of run journals, the state directory of runner:
// the journal of run ID is <Dir>/runs/<ID>.json. The zero value is not
// usable; a Store holds no open file and may be copied.
type Store struct {
	Dir string
}

// ErrUnknownRun is the cause of the error Store.Load returns for a run
// that has no journal.
var ErrUnknownRun = errors.New("no such run")

// ErrRunLocked is the cause of the error Store.Lock returns when another
// process runs or resumes the run.
var ErrRunLocked = errors.New("another runner process runs it now")

// Path returns the path of the journal of a run.
func (s Store) Path(runID string) string {
	return filepath.Join(s.Dir, "runs", runID+".json")
}

// Load reads the journal of a run. A run id that names no journal gives
// an error wrapping ErrUnknownRun; a journal that cannot be read gives a
// *JournalError.
func (s Store) Load(runID string) (*Journal, error) {
	if !validRunID(runID) {
		return nil, fmt.Errorf("run %q: %w: not a run id", runID, ErrUnknownRun)
	}
	path := s.Path(runID)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("run %s: %w in %s", runID, ErrUnknownRun, filepath.Dir(path))
	}
	j, err := LoadJournal(path)
	if err != nil {
		return nil, err
	}
	if j.RunID != runID {
		return nil, &JournalError{path, fmt.Errorf("holds run %s, not %s", j.RunID, runID)}
	}
	return j, nil
}

// IDs returns the ids of the runs that have a journal, sorted; run ids
// begin with their start time, so the last is the newest.
func (s Store) IDs() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.Dir, "runs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if ok && e.Type().IsRegular() && validRunID(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// List reads every journal of the store, newest start first. Journals
// that cannot be read are left out, with an error each in bad; err is an
// error reading the directory itself.
func (s Store) List() (journals []*Journal, bad []error, err error) {
	ids, err := s.IDs()
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		j, err := s.Load(id)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		journals = append(journals, j)
	}
	sort.SliceStable(journals, func(a, b int) bool {
		return journals[a].Started.After(journals[b].Started)
	})
	return journals, bad, nil
}

// End records in a run's journal that the run ended in state, at ended,
// as a run does at its end: for a run whose process died after its last
// step, before it could say so, and whose journal says it runs still.
func (s Store) End(j *Journal, state RunState, ended time.Time) error {
	w, err := newJournalWriter(s.Path(j.RunID), j, time.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	w.end(state, ended)
	return w.flush()
}
