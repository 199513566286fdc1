// Package archtest holds the test that keeps the module's import graph in
// layers (ARCHITECTURE.md): a package imports only packages of lower
// layers, so the graph has no cycle and nothing low depends on what runs it.
package archtest
