// Command trustdesk keeps track of whom you can trust, with no server: with
// no arguments it opens the desktop app, with a command it works from the
// terminal. Run 'trustdesk help' for the commands.
package main

import (
	"os"

	_ "a.trustdesk.internal/cleanlocale" // before the toolkit reads the locale

	"trustdesk/app"
	"trustdesk/crdt"
	"trustdesk/internal/cli"
)

func main() {
	// The same binary checks cell data from outside in a child process.
	if crdt.IsWorker() {
		crdt.ServeWorker()
	}
	os.Exit(cli.Main(os.Args[1:], func(home string) error {
		return app.Run(app.Options{Home: home})
	}))
}
