// Command dist-go writes the zip of a Go module as a module proxy serves it (entries
// MODULE@VERSION/..., the checks and exclusions of the go command), with golang.org/x/mod/zip,
// the implementation the go command itself uses. scripts/dist-go.sh runs it:
//
//	go run . MODULE VERSION DIR OUT.zip
package main

import (
	"fmt"
	"os"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: dist-go MODULE VERSION DIR OUT.zip")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3], os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, "dist-go:", err)
		os.Exit(1)
	}
}

func run(path, version, dir, out string) error {
	mv := module.Version{Path: path, Version: version}
	if err := module.Check(path, version); err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := zip.CreateFromDir(f, mv, dir); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// Reads the result back through the same checks the go command applies on download.
	cf, err := zip.CheckZip(mv, out)
	if err != nil {
		return err
	}
	if err := cf.Err(); err != nil {
		return err
	}
	return nil
}
