// Package testenv holds what the tests of several trustdesk packages share
// about the way they are run.
//
// [Race] tells a test whether the binary was built with the race detector,
// which makes crypto, image and Automerge code many times slower; long
// tests then use smaller inputs or sample. [KillLoop] kills child
// processes at random moments, for the crash tests of store and core.
// These are ordinary (not _test) files so that any package's tests can
// import them; the package imports no trustdesk package, so even the
// lowest packages can use it.
//
// The worker TestMain that lets a test binary serve as the checking worker
// lives in [trustdesk/internal/workergate], which may import crdt.
package testenv
