//go:build !race

package reference

// passwordIterations is PBKDF2's work factor for the reference's passwords.
const passwordIterations = 4096
