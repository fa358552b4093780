package console

import (
	"embed"
	"io/fs"
)

// built holds web/console's build output, which its build writes into dist
// (only dist/.gitkeep is in the repository).
//
//go:embed all:dist
var built embed.FS

// App returns the application built into the binary.
func App() fs.FS {
	sub, err := fs.Sub(built, "dist")
	if err != nil {
		panic(err) // dist is always embedded (its .gitkeep at least)
	}
	return sub
}
