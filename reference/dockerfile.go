package reference

import _ "embed"

// Dockerfile is reference/Dockerfile, embedded so the image can be built from
// an in-memory context by any binary of this module.
//
//go:embed Dockerfile
var Dockerfile []byte
