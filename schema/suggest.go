package schema

import (
	"fmt"
	"strings"
)

// Suggest returns the candidate closest to name, for a "did you mean"
// hint, or "" when none is close enough to be a likely typo. Case is
// ignored when comparing; ties go to the candidate that sorts first.
func Suggest(name string, candidates []string) string {
	if name == "" {
		return ""
	}
	best, bestDist := "", -1
	lower := strings.ToLower(name)
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := editDistance(lower, strings.ToLower(c))
		if !closeEnough(d, len(name), len(c)) {
			continue
		}
		if bestDist < 0 || d < bestDist || d == bestDist && c < best {
			best, bestDist = c, d
		}
	}
	return best
}

// closeEnough accepts a distance of at most a third of the longer word,
// and always one edit.
func closeEnough(dist, lenA, lenB int) bool {
	return dist <= 1 || dist*3 <= max(lenA, lenB)
}

// editDistance is the optimal string alignment distance between a and b,
// counted in runes: insertions, deletions, substitutions and swaps of two
// neighbours ("sanp" for "snap") cost one each. Words longer than 64 runes
// are compared on their first 64 runes: names are short, and a long input
// must not cost quadratic time.
func editDistance(a, b string) int {
	ra, rb := truncRunes(a, 64), truncRunes(b, 64)
	// rows[i][j] is the distance between ra[:i] and rb[:j].
	rows := make([][]int, len(ra)+1)
	for i := range rows {
		rows[i] = make([]int, len(rb)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
		}
	}
	return rows[len(ra)][len(rb)]
}

func truncRunes(s string, n int) []rune {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return r
}

// didYouMean returns ` (did you mean "x"?)` for the closest candidate, or
// "".
func didYouMean(name string, candidates []string) string {
	return suggestion(Suggest(name, candidates))
}

// suggestion returns ` (did you mean "s"?)`, or "" when s is "".
func suggestion(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", s)
}
