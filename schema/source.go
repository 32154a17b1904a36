package schema

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// archiveExts are the extensions of the archives a Console accepts for
// upload, as the official client lists them (console-api.md 2.8), longest
// first so that .tar.gz wins over .gz.
var archiveExts = []string{".tar.gz", ".zip", ".tgz", ".gz"}

// ArchiveExt returns the extension of an archive name that the Console
// accepts for upload, lower-case and without the dot ("zip", "tar.gz"),
// matched without regard to case; false for any other name.
func ArchiveExt(name string) (string, bool) {
	lower := strings.ToLower(name)
	for _, ext := range archiveExts {
		if strings.HasSuffix(lower, ext) && len(lower) > len(ext) {
			return ext[1:], true
		}
	}
	return "", false
}

// sourceJobs returns the job types that take a sourcePath, for messages.
func sourceJobs() []string {
	var names []string
	for _, j := range catalog {
		if _, ok := j.Param("sourcePath"); ok {
			names = append(names, j.Name)
		}
	}
	return names
}

// source reads and checks a step's source: a local archive, named by a
// literal path, for a job type that takes a sourcePath, which the step
// does not also set. The file must be a readable, non-empty regular
// file when the workflow is loaded, so that a run never starts for an
// archive it cannot send. It returns nil after a problem.
//
// Known gap: runner resume loads the workflow again, so it refuses to go
// on when the archive is gone, even if the step's job was submitted
// before and nothing needs uploading. Until the check knows which steps
// a resume will run, keep the archive until the run has ended.
func (f *filler) source(st *Step, stepPath string, n *node, jt *JobType, with *node) *Source {
	path := joinKey(stepPath, "source")
	text := n.text()
	ok := true
	switch {
	case st.Query != "":
		f.errs.add(n.pos(), path, "a query uploads nothing; source: is for the jobs %s",
			strings.Join(sourceJobs(), " and "))
		ok = false
	case jt != nil:
		if _, takes := jt.Param("sourcePath"); !takes {
			f.errs.add(n.pos(), path, "job %s takes no sourcePath; source: is for the jobs %s",
				jt.Name, strings.Join(sourceJobs(), " and "))
			ok = false
		}
	}
	if with != nil {
		for _, name := range []string{"sourcePath", "sourceArchive"} {
			if e := with.entry(name); e != nil {
				f.errs.add(posOf(e.key), joinKey(joinKey(stepPath, "with"), name),
					"the upload of source: sets it; keep one of the two")
				ok = false
			}
		}
	}
	if isExpr(text) {
		f.errs.add(n.pos(), path, "%s is an expression; source: takes a path, relative "+
			"to the workflow file", quote(text))
		return nil
	}
	if _, isArchive := ArchiveExt(text); !isArchive {
		f.errs.add(n.pos(), path, "%s is not a .zip, .tgz, .gz or .tar.gz archive", quote(text))
		return nil
	}
	src := &Source{Path: text, File: resolveSource(f.errs.file, text), Pos: n.pos()}
	if err := checkArchive(src.File); err != nil {
		f.errs.add(n.pos(), path, "%v", err)
		return nil
	}
	if !ok {
		return nil
	}
	return src
}

// resolveSource returns the file a source path names: an absolute path as
// it is, a relative one against the directory of the workflow file.
func resolveSource(workflow, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(filepath.Dir(workflow), path)
}

// checkArchive tells why the file at path cannot be uploaded: it is
// missing, not a regular file, empty or unreadable. A named pipe or a
// device is refused before it is opened, as opening one may block.
func checkArchive(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file: " + path)
	case err != nil:
		return errors.New("cannot read " + path + ": " + pathErrText(err))
	case !fi.Mode().IsRegular():
		return errors.New(path + " is " + fileKind(fi.Mode()) + ", not an archive")
	case fi.Size() == 0:
		return errors.New(path + " is empty")
	}
	fh, err := os.Open(path)
	if err != nil {
		return errors.New("cannot read " + path + ": " + pathErrText(err))
	}
	return fh.Close()
}

// pathErrText returns the cause of a file error without the path, which
// the message already names.
func pathErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
