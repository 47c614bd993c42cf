// Command trustdesk keeps track of whom you can trust, with no server: with
// no arguments it opens the desktop app, with a command it works from the
// terminal. Run 'trustdesk help' for the commands.
package main

import (
	"errors"
	"os"

	"trustdesk/crdt"
	"trustdesk/internal/app"
	"trustdesk/internal/cli"
)

func main() {
	// The same binary checks cell data from outside in a child process.
	if crdt.IsWorker() {
		crdt.ServeWorker()
	}
	os.Exit(cli.Main(os.Args[1:], openApp))
}

// openApp opens the desktop app.
func openApp(req cli.GUIRequest) error {
	err := app.Run(app.Options{Home: req.Home, Passphrase: req.Passphrase})
	if errors.Is(err, app.ErrNoDisplay) {
		return errors.New("there is no screen here to open the window on: run 'trustdesk help' to use trustdesk from the terminal")
	}
	return err
}
