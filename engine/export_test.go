package engine

// Hooks into the journal writer for the tests of package engine_test.

// WriteFileAtomic is writeFileAtomic.
var WriteFileAtomic = writeFileAtomic

// ParseJournal is parseJournal.
var ParseJournal = parseJournal

// SetAfterTempWrite makes writeFileAtomic call f between writing its
// temporary file and renaming it.
func SetAfterTempWrite(f func()) { afterTempWrite = f }
