package conformance

// CannotRun is an error that stops a run before any verdict: the target is
// unreachable, the admin cannot log in, provisioning failed, the rate limiter
// or two-factor authentication is in the way. Reason is one plain sentence
// telling the user what to do; it never contains a secret. Callers find it
// with errors.As.
type CannotRun struct {
	Reason string
	Err    error
}

func (e *CannotRun) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + " (" + e.Err.Error() + ")"
}

func (e *CannotRun) Unwrap() error { return e.Err }
