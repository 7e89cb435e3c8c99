package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// InvokeOptions configure Invoke.
type InvokeOptions struct {
	// Args are the positional arguments.
	Args []string
	// Flags by name: string, bool, int and []string values, as fctl sends them after parsing.
	Flags map[string]any
	// Auth is the profile's auth context; ServiceURL defaults to http://127.0.0.1:1 (nothing
	// listens there) or, with a Handler under v1, the loopback server serving it.
	Auth Auth
	// Output defaults to "json".
	Output string
	// ProtocolVersion is the conversation's version; 0 means the highest the plugin speaks.
	ProtocolVersion int
	// Handler stands for the stack. Under v1 it is served on a loopback server that Call.HTTP
	// requests directly with Auth.AccessToken; under v2 it answers each http.request in process,
	// as fctl's broker would (adding Auth.AccessToken itself), and the handler's Call.Auth holds
	// no token. Without it, requests fail: v1 cannot connect, v2 is refused (no_fake_handler).
	// It fails one request as the network would with FailRequest.
	Handler http.Handler
	// Limits are the v2 session's HTTP limits; nil means ProtocolHTTPLimits.
	Limits *HTTPLimits
	// Log receives what the handler logs (Debugf included); nil discards it.
	Log io.Writer
}

// Invoke runs the command at path (canonical names or aliases, separated by spaces) in process,
// with flags and arguments checked and defaulted exactly as under fctl, and returns its data as
// fctl receives it: the JSON result decoded into any (objects as map[string]any, numbers as
// float64). An error answer is returned as a *CommandError (kind usage for bad flags, internal
// for a panic...). Cancelling ctx is fctl's cancel.
func Invoke(ctx context.Context, p *Plugin, path string, options InvokeOptions) (any, error) {
	spoken, err := p.spoken()
	if err != nil {
		return nil, err
	}
	if _, err := p.Manifest(1); err != nil {
		return nil, err
	}
	version := options.ProtocolVersion
	if version == 0 {
		version = spoken[len(spoken)-1]
	}
	if version != 1 && version != 2 {
		return nil, fmt.Errorf("plugin.Invoke: protocol version %d is not one the SDK speaks", version)
	}
	auth := options.Auth
	if auth.ServiceURL == "" {
		auth.ServiceURL = "http://127.0.0.1:1"
	}
	limits := ProtocolHTTPLimits
	if options.Limits != nil {
		limits = *options.Limits
	}
	logger := stderrLogger{debug: true, write: func(text string) {
		if options.Log != nil {
			_, _ = io.WriteString(options.Log, text)
		}
	}}
	request := executeRequest{ID: "test", Command: strings.Fields(path), Args: options.Args, Flags: options.Flags, Output: options.Output, Debug: true, Version: version}
	if request.Args == nil {
		request.Args = []string{}
	}
	if request.Output == "" {
		request.Output = "json"
	}
	// The flags travel as JSON and are decoded as from fctl, so the handler sees what Serve gives it.
	flags, err := roundTripFlags(request.Flags)
	if err != nil {
		return nil, err
	}
	request.Flags = flags
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var newClient func(context.Context) *http.Client
	if version == 1 {
		if options.Handler != nil {
			server := httptest.NewServer(droppingFailedRequests(options.Handler))
			defer server.Close()
			auth.ServiceURL = server.URL + servicePath(auth.ServiceURL)
		}
		request.Auth = auth
		newClient = func(ctx context.Context) *http.Client {
			return newHTTPClient(newDirectTransport(auth, p.Name, limits, ctx), true)
		}
	} else {
		request.Auth = Auth{ServiceURL: auth.ServiceURL, OrganizationID: auth.OrganizationID, StackID: auth.StackID}
		fake := &fakeBroker{handler: options.Handler, auth: auth, execute: ctx}
		fake.broker = newBroker(fake.answer, limits)
		newClient = func(ctx context.Context) *http.Client {
			return newHTTPClient(&brokerTransport{broker: fake.broker, executeID: request.ID, execute: ctx}, false)
		}
		defer fake.wait()
	}
	a := runExecute(ctx, p, request, newClient, logger)
	if a.stack != "" {
		logger.Printf("%s", a.stack)
	}
	var message struct {
		Type  string          `json:"type"`
		Data  json.RawMessage `json:"data"`
		Error *errorBody      `json:"error"`
	}
	if err := json.Unmarshal(encodeAnswer(request.ID, a), &message); err != nil {
		return nil, err
	}
	if message.Error != nil {
		return nil, &CommandError{Kind: message.Error.Kind, Message: message.Error.Message, Code: message.Error.Code}
	}
	var data any
	if err := json.Unmarshal(message.Data, &data); err != nil {
		return nil, err
	}
	return data, nil
}

// FailRequest, called by an InvokeOptions.Handler instead of answering, fails the request as the
// network would: under v2 the broker answers http.error with err's kind, code and message, as fctl
// does when the stack cannot be reached (kind RequestUnavailable, code dns, connect, tls or
// network) or does not answer in time (RequestTimeout); under v1 the connection is dropped, which
// the SDK's client reports as RequestUnavailable, code network. It does not return. A v2 error
// that protocol v2 does not allow (an unknown kind, an empty message) is answered refused,
// invalid_fake_answer.
func FailRequest(err RequestError) {
	panic(requestFailure(err))
}

type requestFailure RequestError

// droppingFailedRequests serves handler on Invoke's v1 loopback server, where FailRequest drops the
// connection (http.ErrAbortHandler: no panic is logged) and any other panic stays one.
func droppingFailedRequests(handler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if recovered := recover(); recovered != nil {
				if _, ok := recovered.(requestFailure); ok {
					panic(http.ErrAbortHandler)
				}
				panic(recovered)
			}
		}()
		handler.ServeHTTP(w, r)
	})
}

func servicePath(serviceURL string) string {
	u, err := url.Parse(serviceURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.EscapedPath(), "/")
}

func roundTripFlags(flags map[string]any) (map[string]any, error) {
	if flags == nil {
		return map[string]any{}, nil
	}
	text, err := json.Marshal(flags)
	if err != nil {
		return nil, fmt.Errorf("plugin.Invoke: flags: %w", err)
	}
	decoder := json.NewDecoder(bytes.NewReader(text))
	decoder.UseNumber()
	var object map[string]any
	if err := decoder.Decode(&object); err != nil {
		return nil, err
	}
	c := &checker{object: map[string]any{"flags": object}, where: "Invoke"}
	decoded := c.flags("flags")
	return decoded, c.err
}

// fakeBroker plays fctl's broker for Invoke under v2: each http.request is served by handler and
// its answer checked as a real core's would be.
type fakeBroker struct {
	broker  *broker
	handler http.Handler
	auth    Auth
	execute context.Context
	group   sync.WaitGroup
}

func (f *fakeBroker) wait() { f.group.Wait() }

func (f *fakeBroker) answer(line []byte) {
	var request httpRequestMessage
	if err := json.Unmarshal(line, &request); err != nil {
		return
	}
	f.group.Add(1)
	go func() {
		defer f.group.Done()
		f.deliver(request.ID, f.serve(request))
	}()
}

func (f *fakeBroker) deliver(id string, answer any) {
	line, err := json.Marshal(answer)
	if err == nil {
		var message *coreMessage
		if message, err = decodeCoreLine(2, line); err == nil {
			f.broker.deliver(message)
			return
		}
	}
	f.broker.deliver(&coreMessage{Type: "http.error", ID: id, Error: &RequestError{Kind: RequestRefused, Code: "invalid_fake_answer", Message: fmt.Sprintf("the fake handler's answer breaks protocol v2: %v", err)}})
}

type httpResponseMessage struct {
	Type    string      `json:"type"`
	ID      string      `json:"id"`
	Status  int         `json:"status"`
	Headers [][2]string `json:"headers"`
	Body    *wireBody   `json:"body,omitempty"`
}

type httpErrorMessage struct {
	Type  string        `json:"type"`
	ID    string        `json:"id"`
	Error httpErrorBody `json:"error"`
}

type httpErrorBody struct {
	Kind    string `json:"kind"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (f *fakeBroker) serve(request httpRequestMessage) (answer any) {
	fail := func(kind, code, message string) any {
		return httpErrorMessage{Type: "http.error", ID: request.ID, Error: httpErrorBody{Kind: kind, Code: code, Message: message}}
	}
	if f.handler == nil {
		return fail("refused", "no_fake_handler", "plugin.Invoke was given no Handler to answer HTTP requests")
	}
	target := request.URL
	if strings.HasPrefix(target, "/") {
		target = strings.TrimRight(f.auth.ServiceURL, "/") + target
	}
	var body []byte
	if request.Body != nil {
		body, _ = decodeBody(request.Body.Encoding, request.Body.Data)
	}
	req, err := http.NewRequestWithContext(f.execute, request.Method, target, bytes.NewReader(body))
	if err != nil {
		return fail("refused", "invalid_url", err.Error())
	}
	for _, pair := range request.Headers {
		req.Header.Add(pair[0], pair[1])
	}
	if f.auth.AccessToken != "" {
		req.Header.Set("Authorization", "Bearer "+f.auth.AccessToken)
	}
	req.RequestURI = req.URL.RequestURI()
	defer func() {
		if recovered := recover(); recovered != nil {
			if failure, ok := recovered.(requestFailure); ok {
				answer = fail(failure.Kind, failure.Code, failure.Message)
				return
			}
			answer = fail("unavailable", "network", fmt.Sprintf("the fake handler panicked: %v", recovered))
		}
	}()
	recorder := httptest.NewRecorder()
	f.handler.ServeHTTP(recorder, req)
	result := recorder.Result()
	if f.execute.Err() != nil {
		return fail("cancelled", "cancelled", "the request was abandoned: the command was cancelled")
	}
	response := httpResponseMessage{Type: "http.response", ID: request.ID, Status: result.StatusCode, Headers: [][2]string{}}
	for name, values := range result.Header {
		for _, value := range values {
			response.Headers = append(response.Headers, [2]string{strings.ToLower(name), value})
		}
	}
	if data := recorder.Body.Bytes(); len(data) > 0 {
		response.Body = encodeBody(data)
	}
	return response
}
