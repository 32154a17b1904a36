//go:build unix

package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// A row is one measurement of the table.
type row struct {
	name   string
	value  string
	target string // "" when the measurement has no target
	met    bool
}

// table collects the rows in the order they are measured.
type table struct{ rows []row }

// info adds a measurement without a target.
func (t *table) info(name, value string) {
	t.rows = append(t.rows, row{name: name, value: value})
}

// check adds a measurement with its target and whether it is met.
func (t *table) check(name, value, target string, met bool) {
	t.rows = append(t.rows, row{name: name, value: value, target: target, met: met})
}

// print writes the table with aligned columns and a count of targets met.
func (t *table) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measurement\tvalue\ttarget\tmet")
	met, targets := 0, 0
	for _, r := range t.rows {
		verdict := "-"
		if r.target != "" {
			targets++
			verdict = "no"
			if r.met {
				met++
				verdict = "yes"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.name, r.value, orDash(r.target), verdict)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d targets met\n", met, targets)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
