// Command build builds the stand-in images of the Rocket.Chat target for the
// releases given as arguments (make standin-images).
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/rcconform/rcconform/internal/standin"
)

func main() {
	log := io.Discard
	if os.Getenv("VERBOSE") != "" {
		log = os.Stderr
	}
	if err := standin.Build(context.Background(), log, os.Args[1:]...); err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		os.Exit(1)
	}
	fmt.Printf("built %s and the Rocket.Chat stand-ins of %v\n", standin.MongoImage, os.Args[1:])
}
