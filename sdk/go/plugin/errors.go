package plugin

import (
	"errors"
	"fmt"
)

// Error kinds of an execute's error answer (docs/protocol.md section 3.6).
const (
	KindUsage       = "usage"
	KindAuth        = "auth"
	KindNotFound    = "not_found"
	KindConflict    = "conflict"
	KindService     = "service"
	KindUnavailable = "unavailable"
	KindCancelled   = "cancelled"
	KindInternal    = "internal"
	KindProtocol    = "protocol"
)

// CommandError is a typed error answer: return it (or an error wrapping it) from a handler
// instead of a result. Invoke returns one for every error answer.
type CommandError struct {
	Kind    string // one of the Kind constants
	Message string // for the user, one sentence
	// Code is optional: a stable code chosen by the plugin, e.g. NOT_FOUND.
	Code string
}

// Errorf returns a *CommandError of kind with a formatted message.
func Errorf(kind, format string, args ...any) *CommandError {
	return &CommandError{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// WithCode returns a copy of e with code set.
func (e *CommandError) WithCode(code string) *CommandError {
	c := *e
	c.Code = code
	return &c
}

// Error is "kind (code): message".
func (e *CommandError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s (%s): %s", e.Kind, e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

// RequestError is a request of Call.HTTP that got no HTTP response, on both protocol versions;
// Kind and Code are those of protocol v2's http.error (docs/protocol.md section 3.12): refused,
// limit, unavailable (dns, connect, tls, network), timeout, cancelled (cancelled,
// execute_finished). http.Client returns it wrapped in a *url.Error: use errors.As. Left
// uncaught by a handler it becomes the execute's error: cancelled → cancelled, unavailable and
// timeout → unavailable, refused and limit → internal (a plugin bug), keeping Code.
type RequestError struct {
	Kind    string // one of the Request* kinds
	Code    string // which rule or failure, e.g. other_origin; unknown codes are not errors
	Message string // for the user; never a credential
}

// The kinds of a RequestError, as protocol v2's http.error names them.
const (
	RequestRefused     = "refused"     // the request breaks a rule of the broker (or of the v1 client): a plugin bug
	RequestLimit       = "limit"       // a body or header over the protocol's limits
	RequestUnavailable = "unavailable" // the stack cannot be reached (dns, connect, tls, network)
	RequestTimeout     = "timeout"     // no answer before the request's deadline
	RequestCancelled   = "cancelled"   // the command was cancelled, or its execute finished
)

// Error is the message, as fctl wrote it (never a credential).
func (e *RequestError) Error() string { return e.Message }

// errorBody is an execute's error answer.
type errorBody struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`
}

// answerFor maps what a handler returned to the error answer (stack: whether to log it).
func answerFor(err error, cancelled bool) (errorBody, bool) {
	var command *CommandError
	if errors.As(err, &command) {
		return errorBody{Kind: command.Kind, Message: command.Message, Code: command.Code}, false
	}
	if cancelled {
		return errorBody{Kind: KindCancelled, Message: "cancelled"}, false
	}
	var usage *usageError
	if errors.As(err, &usage) {
		return errorBody{Kind: KindUsage, Message: usage.message}, false
	}
	var request *RequestError
	if errors.As(err, &request) {
		switch request.Kind {
		case RequestCancelled:
			return errorBody{Kind: KindCancelled, Message: request.Message, Code: request.Code}, false
		case RequestUnavailable, RequestTimeout:
			return errorBody{Kind: KindUnavailable, Message: request.Message, Code: request.Code}, false
		}
		return errorBody{Kind: KindInternal, Message: request.Message, Code: request.Code}, true
	}
	return errorBody{Kind: KindInternal, Message: err.Error()}, true
}
