// Package vendor shows how a vendor of a Rocket.Chat-compatible server, and
// the author of a Rocket.Chat client, use rcconform from their own tests:
//
//   - certify: the whole certification as one go test (dmcreate.Test);
//   - ginkgosuite: the checks inside the vendor's own Ginkgo suite, next to
//     its own BeforeSuite and specs (dmcreate.GinkgoTest);
//   - sdkclient: the reference server as a test double for a client's
//     integration tests (reference/container.Run).
//
// The vendor's server is played by the reference server here, served on
// loopback and given to the harness by URL, as a real one would be.
package vendor
