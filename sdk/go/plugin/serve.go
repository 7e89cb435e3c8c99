package plugin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
)

// Serve runs the plugin: it speaks the protocol with fctl over stdin and stdout until stdin
// ends, then exits 0. It never returns.
//
// Started without FCTL_PLUGIN_HANDSHAKE (by hand), it explains itself on stderr and exits 64.
// Otherwise, before anything else, it takes the process's stdout for the protocol and points
// fd 1 (and os.Stdout) at stderr, so a stray fmt.Println, a library's banner or a child process
// writes to the log stream instead of corrupting the protocol (see guardStdout). An invalid
// plugin definition is reported on stderr with exit 70.
func Serve(p *Plugin) {
	if os.Getenv(HandshakeEnv) != HandshakeValue {
		fmt.Fprintf(os.Stderr, "This is fctl-plugin-%s %s, a plugin for fctl; it is not meant to be run directly.\n"+
			"Install it and use it through fctl:\n"+
			"  fctl plugin install %s --path <this file>\n"+
			"  fctl %s --help\n", p.Name, version, p.Name, p.Name)
		os.Exit(NotStartedByFctlExitCode)
	}
	protocol, err := guardStdout()
	if err != nil {
		fmt.Fprintf(os.Stderr, "fctl-plugin-%s: cannot reserve stdout for the protocol: %v\n", p.Name, err)
		os.Exit(70)
	}
	if err := p.check(); err != nil {
		fmt.Fprintf(os.Stderr, "fctl-plugin-%s: the plugin definition is invalid (a bug in the plugin):\n%v\n", p.Name, err)
		os.Exit(70)
	}
	// Ctrl-C reaches the plugin as a cancel message; the signal itself must not kill it first.
	signal.Ignore(os.Interrupt)
	os.Exit(serve(p, os.Stdin, protocol, os.Stderr))
}

// check is what Serve verifies before the handshake: the versions spoken and the manifest.
func (p *Plugin) check() error {
	if _, err := p.spoken(); err != nil {
		return err
	}
	_, err := p.Manifest(1)
	return err
}

// lineWriter writes whole protocol lines; several goroutines write (answers, http.request).
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) write(line []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// One Write per line: a line is never interleaved with another.
	// A failed write means fctl is gone: stdin ends next, and with it the plugin.
	_, _ = l.w.Write(append(line, '\n'))
}

type helloMessage struct {
	Type            string    `json:"type"`
	ProtocolVersion int       `json:"protocolVersion"`
	Manifest        *Manifest `json:"manifest"`
	Capabilities    *struct{} `json:"capabilities,omitempty"`
}

// session is one conversation with fctl.
type session struct {
	plugin  *Plugin
	spoken  []int
	out     *lineWriter
	log     func(string)
	version int
	broker  *broker

	mu      sync.Mutex
	running map[string]context.CancelCauseFunc
}

// serve speaks the protocol over in and out (log: stderr) and returns the exit status: 0 at the
// end of in, even with executes in flight; 1 after a protocol error or a refused handshake.
func serve(p *Plugin, in io.Reader, out io.Writer, logTo io.Writer) int {
	spoken, err := p.spoken()
	if err != nil {
		fmt.Fprintln(logTo, err)
		return 70
	}
	var logMu sync.Mutex
	s := &session{plugin: p, spoken: spoken, out: &lineWriter{w: out}, running: map[string]context.CancelCauseFunc{},
		log: func(text string) { logMu.Lock(); defer logMu.Unlock(); _, _ = io.WriteString(logTo, text) }}
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 64<<10), MaxCoreLineBytes+1)
	for scanner.Scan() {
		line := scanner.Bytes()
		if len(line) == 0 {
			continue
		}
		message, err := decodeCoreLine(s.version, line)
		if err == nil {
			err = s.handle(message)
		}
		if err != nil {
			var stop *stopError
			if errors.As(err, &stop) {
				return stop.status
			}
			return s.fatal(err)
		}
	}
	if errors.Is(scanner.Err(), bufio.ErrTooLong) {
		return s.fatal(violation("a message from fctl exceeded %d MiB", MaxCoreLineBytes/MiB))
	}
	// fctl closing stdin means: stop now. A plugin never outlives its core.
	return 0
}

// stopError ends the conversation with status after its answer was written.
type stopError struct{ status int }

// Error names the exit status.
func (e *stopError) Error() string { return fmt.Sprintf("exit %d", e.status) }

// fatal answers a protocol error and returns the exit status 1.
func (s *session) fatal(err error) int {
	body := errorBody{Kind: KindProtocol, Message: err.Error()}
	var protocol *protocolError
	if errors.As(err, &protocol) {
		body.Code = protocol.code
	}
	line, _ := json.Marshal(errorMessage{Type: "error", Error: body})
	s.out.write(line)
	return 1
}

func protocolCode(code, format string, args ...any) error {
	return &protocolError{code: code, message: fmt.Sprintf(format, args...)}
}

func (s *session) handle(m *coreMessage) error {
	if m.Type == "hello" {
		if s.version != 0 {
			return violation("fctl sent \"hello\" twice")
		}
		return s.hello(m)
	}
	if s.version == 0 {
		return violation("expected \"hello\" first, got %q", m.Type)
	}
	switch m.Type {
	case "session":
		if s.broker != nil {
			return protocolCode("repeated_session", "fctl sent \"session\" twice; protocol v2 has exactly one")
		}
		s.broker = newBroker(s.out.write, m.Limits)
	case "execute":
		if s.version == 2 && s.broker == nil {
			return protocolCode("no_session", "fctl sent \"execute\" before \"session\"; protocol v2 sends \"session\" first")
		}
		s.execute(m)
	case "http.response", "http.error":
		if s.broker == nil {
			return protocolCode("no_session", "fctl sent %q before \"session\"", m.Type)
		}
		if !s.broker.deliver(m) {
			s.log(fmt.Sprintf("fctl answered http.request %q, which is not in flight; ignored\n", m.ID))
		}
	case "cancel":
		s.mu.Lock()
		cancel := s.running[m.ID]
		s.mu.Unlock()
		if cancel != nil {
			cancel(errors.New(m.Reason))
		}
	}
	return nil
}

// hello picks the highest version both sides speak, or refuses with the versions spoken.
func (s *session) hello(m *coreMessage) error {
	picked := 0
	for _, v := range m.ProtocolVersions {
		if slices.Contains(s.spoken, v) && v > picked {
			picked = v
		}
	}
	if picked == 0 {
		offered := make([]string, len(m.ProtocolVersions))
		for i, v := range m.ProtocolVersions {
			offered[i] = fmt.Sprint(v)
		}
		speaks := make([]string, len(s.spoken))
		for i, v := range s.spoken {
			speaks[i] = fmt.Sprint(v)
		}
		line, _ := json.Marshal(errorMessage{Type: "error", ProtocolVersions: s.spoken, Error: errorBody{
			Kind: KindProtocol, Code: "unsupported_protocol_version",
			Message: fmt.Sprintf("fctl offers protocol versions %s; this plugin speaks %s", strings.Join(offered, ", "), strings.Join(speaks, ", ")),
		}})
		s.out.write(line)
		return &stopError{status: 1}
	}
	manifest, err := s.plugin.Manifest(picked)
	if err != nil {
		return fmt.Errorf("the plugin's manifest is invalid: %w", err)
	}
	hello := helloMessage{Type: "hello", ProtocolVersion: picked, Manifest: manifest}
	if picked == 2 {
		hello.Capabilities = &struct{}{}
	}
	line, err := json.Marshal(hello)
	if err != nil {
		return err
	}
	if len(line) > MaxHelloBytes {
		// fctl would stop at a protocol violation; the bug is said here, where it can be fixed.
		s.log(fmt.Sprintf("fctl-plugin-%s: the hello message is %d bytes, over the protocol's %d: the manifest is too large\n", s.plugin.Name, len(line), MaxHelloBytes))
		return &stopError{status: 70}
	}
	s.version = picked
	s.out.write(line)
	return nil
}

func (s *session) execute(m *coreMessage) {
	ctx, cancel := context.WithCancelCause(context.Background())
	s.mu.Lock()
	s.running[m.ID] = cancel
	s.mu.Unlock()
	request := executeRequest{ID: m.ID, Command: m.Command, Args: m.Args, Flags: m.Flags, Output: m.Output, Debug: m.Debug, Auth: m.Auth, Version: s.version}
	logger := stderrLogger{debug: m.Debug, write: s.log}
	go func() {
		var direct *directTransport
		newClient := func(ctx context.Context) *http.Client {
			if s.version == 2 {
				return newHTTPClient(&brokerTransport{broker: s.broker, executeID: m.ID, execute: ctx}, false)
			}
			direct = newDirectTransport(m.Auth, s.plugin.Name, ProtocolHTTPLimits, ctx)
			return newHTTPClient(direct, true)
		}
		a := runExecute(ctx, s.plugin, request, newClient, logger)
		s.mu.Lock()
		delete(s.running, m.ID)
		s.mu.Unlock()
		// Answered: its requests still in flight are abandoned (fctl answers them execute_finished).
		cancel(errors.New("the execute was answered"))
		if direct != nil {
			direct.base.CloseIdleConnections()
		}
		if a.stack != "" {
			s.log(strings.TrimRight(a.stack, "\n") + "\n")
		}
		s.out.write(encodeAnswer(m.ID, a))
	}()
}
