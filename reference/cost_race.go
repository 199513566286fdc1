//go:build race

package reference

// Under the race detector PBKDF2 runs about ten times slower and dominates
// the tests that provision users; the work factor is no behaviour a client
// can observe (known and unknown users still cost the same), so race builds,
// which are only ever tests, use a smaller one.
const passwordIterations = 256
