// Command trustdesk keeps track of whom you can trust, with no server: with
// no arguments it opens the desktop app, with a command it works from the
// terminal. Run 'trustdesk help' for the commands.
package main

import (
	"os"

	"trustdesk/app"
	"trustdesk/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], func(home string) error {
		return app.Run(app.Options{Home: home})
	}))
}
