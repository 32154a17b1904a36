// Package termquery stops the terminal query that importing Bubble Tea v1
// makes: its init asks the terminal of stdout for its background colour
// (OSC 11) and waits up to 5 seconds for an answer, which a pseudo
// terminal without a terminal emulator behind it, as some CI systems
// allocate, never gives. Every runner command would start 5 seconds late
// there, and print the query's escape sequences.
//
// runner's live view uses fixed colours, never colours that adapt to the
// background, so it does not need the answer. This package's init states
// a dark background before Bubble Tea's init runs, which skips the query:
// Go initializes packages in the order of their import paths, among those
// whose imports are initialized, and this path sorts before
// github.com/charmbracelet/bubbletea. Import it for its side effect
// wherever Bubble Tea is imported.
package termquery

import "github.com/charmbracelet/lipgloss"

func init() {
	lipgloss.SetHasDarkBackground(true)
}
