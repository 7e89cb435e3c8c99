package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
)

// executeRequest is an execute as the SDK runs it, from fctl (Serve) or a test (Invoke).
type executeRequest struct {
	ID      string
	Command []string
	Args    []string
	Flags   map[string]any
	Output  string
	Debug   bool
	Auth    Auth
	Version int
}

// answer is an execute's answer: a result line's data, or an error body (stack for stderr).
type answer struct {
	data  any
	err   *errorBody
	stack string
}

// runExecute runs the command request names with the flags checked and defaulted. newClient
// makes the handler's HTTP client for the execute's context.
func runExecute(ctx context.Context, p *Plugin, request executeRequest, newClient func(context.Context) *http.Client, log Logger) (out answer) {
	target, ok := p.find(request.Command)
	if !ok {
		return answer{err: &errorBody{Kind: KindUsage, Code: "unknown_command", Message: fmt.Sprintf("unknown command %q", strings.Join(request.Command, " "))}}
	}
	if err := checkArgs(request.Args, target.command.Args); err != nil {
		return answer{err: &errorBody{Kind: KindUsage, Message: err.Error()}}
	}
	flags, err := resolveFlags(target.flags, request.Flags)
	if err != nil {
		return answer{err: &errorBody{Kind: KindUsage, Message: err.Error()}}
	}
	defer func() {
		if recovered := recover(); recovered != nil {
			out = answer{err: &errorBody{Kind: KindInternal, Message: fmt.Sprintf("panic: %v", recovered)}, stack: fmt.Sprintf("panic: %v\n\n%s", recovered, debug.Stack())}
		}
	}()
	call := &Call{Flags: flags, Args: request.Args, Auth: request.Auth, HTTP: newClient(ctx), Output: request.Output, Debug: request.Debug, Log: log, ProtocolVersion: request.Version}
	data, err := target.command.Run(ctx, call)
	cancelled := ctx.Err() != nil
	if err != nil {
		body, logIt := answerFor(err, cancelled)
		stack := ""
		if logIt {
			stack = fmt.Sprintf("%s: %+v", strings.Join(request.Command, " "), err)
		}
		return answer{err: &body, stack: stack}
	}
	if cancelled {
		return answer{err: &errorBody{Kind: KindCancelled, Message: "cancelled"}}
	}
	return answer{data: data}
}

// encodeAnswer is the line answering execute id, within the protocol's limits: a result nesting
// deeper than 64 levels, or over 32 MiB, is answered kind internal (result_too_deep,
// result_too_large) instead.
func encodeAnswer(id string, a answer) []byte {
	if a.err != nil {
		line, _ := json.Marshal(errorMessage{Type: "error", ID: id, Error: *a.err})
		return line
	}
	line, err := json.Marshal(resultMessage{Type: "result", ID: id, Data: a.data})
	if err != nil {
		line, _ = json.Marshal(errorMessage{Type: "error", ID: id, Error: errorBody{Kind: KindInternal, Message: fmt.Sprintf("the result cannot be encoded as JSON: %v", err)}})
		return line
	}
	if jsonDepth(line) > MaxJSONDepth {
		line, _ = json.Marshal(errorMessage{Type: "error", ID: id, Error: errorBody{Kind: KindInternal, Code: "result_too_deep", Message: fmt.Sprintf("the result nests objects and arrays more than %d levels deep, over the protocol limit", MaxJSONDepth-1)}})
		return line
	}
	if len(line) > MaxResultBytes {
		line, _ = json.Marshal(errorMessage{Type: "error", ID: id, Error: errorBody{Kind: KindInternal, Code: "result_too_large", Message: fmt.Sprintf("the result is %.1f MiB, over the protocol limit of %d MiB", float64(len(line))/MiB, MaxResultBytes/MiB)}})
	}
	return line
}

type resultMessage struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data"`
}

type errorMessage struct {
	Type             string    `json:"type"`
	ID               string    `json:"id,omitempty"`
	Error            errorBody `json:"error"`
	ProtocolVersions []int     `json:"protocolVersions,omitempty"`
}

// stderrLogger writes log lines to w; Debugf only when debug.
type stderrLogger struct {
	debug bool
	write func(string)
}

// Debugf writes when the execute has debug set.
func (l stderrLogger) Debugf(format string, args ...any) {
	if l.debug {
		l.Printf(format, args...)
	}
}

// Printf writes one line to stderr.
func (l stderrLogger) Printf(format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	l.write(text)
}
