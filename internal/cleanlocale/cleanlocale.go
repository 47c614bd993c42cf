// Package cleanlocale turns the "no locale" settings C and POSIX (as in
// LANG=C.UTF-8, the default of many Debian systems) into plain English
// before the GUI toolkit reads them: the toolkit cannot parse "C" and logs
// three lines of errors on every start, even for command-line use.
//
// It is a module of its own only for its import path: Go initialises
// packages in import-path order once their imports are ready, and this
// path sorts before the toolkit's, so this init runs first.
package cleanlocale

import (
	"os"
	"strings"
)

func init() {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		lang, enc, hasEnc := strings.Cut(os.Getenv(v), ".")
		if lang != "C" && lang != "POSIX" {
			continue
		}
		plain := "en_US"
		if hasEnc {
			plain += "." + enc
		}
		os.Setenv(v, plain)
	}
}
