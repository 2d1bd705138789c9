// A stand-in for the Cerebrium CLI: small, built by `go build` for the six targets, and able
// to report what the tests need to see (its version, its arguments, its process identity).
// Laid out as the real one: module github.com/cerebriumai/cerebrium, main at ./cmd/cerebrium,
// the version in internal/version, set by the release's ldflags.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	release "github.com/cerebriumai/cerebrium/internal/version"
)

// GoReleaser's default ldflags (a configuration without any) set main.version instead of
// internal/version; the test configurations of that shape print it.
var version = ""

const usage = "usage: cerebrium version | args ARG... | exit CODE | pid | sleep SECONDS"

func main() {
	if len(os.Args) < 2 || os.Args[1] == "--help" || os.Args[1] == "-h" {
		fmt.Println(usage)
		return
	}
	switch os.Args[1] {
	case "version":
		v := release.Version
		if version != "" {
			v = version
		}
		fmt.Printf("cerebrium version %s\n", v)
	case "args":
		out, _ := json.Marshal(os.Args[2:])
		fmt.Println(string(out))
	case "exit":
		code, err := strconv.Atoi(arg(2))
		if err != nil {
			fail("exit needs a number")
		}
		os.Exit(code)
	case "pid":
		out, _ := json.Marshal(map[string]interface{}{
			"pid": os.Getpid(), "ppid": os.Getppid(), "argv0": os.Args[0],
		})
		fmt.Println(string(out))
	case "sleep":
		seconds, err := strconv.ParseFloat(arg(2), 64)
		if err != nil {
			fail("sleep needs a number of seconds")
		}
		time.Sleep(time.Duration(seconds * float64(time.Second)))
	case "cat": // standard input to standard output, byte for byte
		if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
			fail("cat: " + err.Error())
		}
	default:
		fail("unknown command " + strconv.Quote(os.Args[1]) + "\n" + usage)
	}
}

func arg(i int) string {
	if len(os.Args) > i {
		return os.Args[i]
	}
	return ""
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "cerebrium: "+message)
	os.Exit(2)
}
