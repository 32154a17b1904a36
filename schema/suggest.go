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

// editDistance is the Levenshtein distance between a and b, counted in
// runes. Words longer than 64 runes are compared on their first 64 runes:
// names are short, and a long input must not cost quadratic time.
func editDistance(a, b string) int {
	ra, rb := truncRunes(a, 64), truncRunes(b, 64)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
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
	if s := Suggest(name, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}
