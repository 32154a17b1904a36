package engine

import (
	"context"
	"fmt"
	"maps"
	"os"
	"time"

	"github.com/aipflow/runner/schema"
)

// UploadPlaceholder is the sourcePath a dry run shows for a step with a
// source:, whose upload names the application and the file only the run
// knows.
const UploadPlaceholder = "upload:<app>/<file>"

// DryUpload is the archive a step would upload before it submits its job.
type DryUpload struct {
	Path string // as source: writes it
	File string // the file it names
	Size int64  // its size as the dry run found it; 0 when it cannot be read
}

// withSource uploads the step's source: archive, when it has one, and
// returns the step's parameters with sourcePath naming the upload. Each
// submission uploads again: the Console's unzip_source step consumes the
// archive it extracts [inferred], so a retried job gets a fresh copy.
func (r *runner) withSource(ctx context.Context, t *task, with map[string]string) (
	map[string]string, error) {
	src := t.node.Step.Source
	if src == nil {
		return with, nil
	}
	app := with["appGuid"]
	if app == "" {
		return nil, fmt.Errorf("job %s needs parameter %q", t.node.Step.Job, "appGuid")
	}
	note := "uploading " + src.Path
	if fi, err := os.Stat(src.File); err == nil {
		note += ", " + byteSize(fi.Size())
	}
	r.emit(Event{Item: t.item.res.Label, Step: t.node.ID(), State: Running, Reason: note})

	start := time.Now()
	up, err := r.opts.Jobs.UploadSource(ctx, app, src.File)
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", src.Path, err)
	}
	r.log.Info("source uploaded", "step", t.node.ID(), "file", src.Path, "bytes", up.Size,
		"duration", time.Since(start))
	out := maps.Clone(with)
	out["sourcePath"] = up.SourcePath()
	return out, nil
}

// dryUpload is what a dry run shows of a step's source:: the archive and
// its size, and the placeholder of the sourcePath it would set. A file
// that went missing since the workflow was loaded is a problem.
func dryUpload(src *schema.Source, params map[string]string, problems []string) (
	*DryUpload, []string) {
	params["sourcePath"] = UploadPlaceholder
	du := &DryUpload{Path: src.Path, File: src.File}
	fi, err := os.Stat(src.File)
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("source: %v", err))
	case !fi.Mode().IsRegular():
		problems = append(problems, fmt.Sprintf("source: %s is not a regular file", src.File))
	default:
		du.Size = fi.Size()
	}
	return du, problems
}

// byteSize formats a number of bytes for people: "234 B", "1.5 KiB",
// "12.0 MiB".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
