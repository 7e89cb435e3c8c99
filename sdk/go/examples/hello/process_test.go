package main

// Process-level tests: the example is built with its version injected, started as fctl starts a
// plugin, and spoken to over pipes.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const guard = 10 * time.Second

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fctl-go-hello-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "fctl-plugin-hello")
	build := exec.Command("go", "build", "-o", binary, "-ldflags", "-X github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin.version=1.4.0", ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *bytes.Buffer
	exited chan struct{}
}

func start(t *testing.T, handshake string) *process {
	t.Helper()
	cmd := exec.Command(binary)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if handshake != "" {
		cmd.Env = append(cmd.Env, "FCTL_PLUGIN_HANDSHAKE="+handshake)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 100), stderr: &bytes.Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			p.lines <- scanner.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return p
}

func (p *process) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatal(err)
	}
}

func (p *process) next() map[string]any {
	p.t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			p.t.Fatalf("stdout ended; stderr: %s", p.stderr)
		}
		var message map[string]any
		if err := json.Unmarshal([]byte(line), &message); err != nil {
			p.t.Fatalf("stdout carries something that is not a protocol message: %q", line)
		}
		return message
	case <-time.After(guard):
		p.t.Fatal("no line from the plugin")
	}
	return nil
}

// wait is the exit status once stdout has ended (its lines all read by then).
func (p *process) wait() int {
	p.t.Helper()
	done := make(chan error, 1)
	go func() {
		for range p.lines {
			p.t.Error("a line after the last expected one")
		}
		done <- p.cmd.Wait()
	}()
	select {
	case err := <-done:
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		if err != nil {
			p.t.Fatal(err)
		}
		return 0
	case <-time.After(guard):
		p.t.Fatal("the plugin did not exit")
	}
	return -1
}

func (p *process) hello(versions string) map[string]any {
	p.send(`{"type":"hello","protocolVersions":` + versions + `,"core":{"name":"fctl","version":"0.1.0"}}`)
	return p.next()
}

func execute(id, auth string) string {
	return `{"type":"execute","id":"` + id + `","command":["greetings","list"],"args":[],"flags":{"workspace":"default","lang":"en","limit":15,"tag":[]},"output":"json","debug":false,"auth":` + auth + `,"timeoutMs":60000}`
}

func TestStartedByHandItExplainsItselfAndExits64(t *testing.T) {
	for _, value := range []string{"", "yes"} {
		p := start(t, value)
		p.stdin.Close()
		if code := p.wait(); code != 64 {
			t.Errorf("handshake %q: exit %d", value, code)
		}
		if text := p.stderr.String(); !strings.Contains(text, "This is fctl-plugin-hello 1.4.0, a plugin for fctl") || !strings.Contains(text, "fctl plugin install hello --path") {
			t.Errorf("stderr: %q", text)
		}
	}
}

func TestVersion1DirectRequestsAndAGuardedStdout(t *testing.T) {
	var authorization string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authorization = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[{"id":1,"text":"hi"}]}`)
	}))
	defer server.Close()
	p := start(t, "fctl-plugin-protocol")
	hello := p.hello("[1]")
	if manifest := hello["manifest"].(map[string]any); hello["protocolVersion"] != float64(1) || manifest["version"] != "1.4.0" {
		t.Fatalf("hello %v", hello)
	}
	p.send(execute("1", `{"serviceUrl":"`+server.URL+`","accessToken":"tok","insecureSkipTlsVerify":false}`))
	result := p.next()
	if result["type"] != "result" || result["id"] != "1" {
		t.Fatalf("answer %v", result)
	}
	if authorization != "Bearer tok" {
		t.Errorf("the stack saw Authorization %q", authorization)
	}
	p.stdin.Close()
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d at the end of stdin", code)
	}
	// The handler's fmt.Println went to stderr; every stdout line was a protocol message (next).
	if !strings.Contains(p.stderr.String(), "loading greetings...") {
		t.Errorf("the stray print is not on stderr: %q", p.stderr.String())
	}
}

func TestVersion2BrokeredRequestsCancelAndEndOfStdin(t *testing.T) {
	p := start(t, "fctl-plugin-protocol")
	if hello := p.hello("[1,2]"); hello["protocolVersion"] != float64(2) || hello["capabilities"] == nil {
		t.Fatalf("hello %v", hello)
	}
	p.send(`{"type":"session","capabilities":{"http":{"maxInFlight":8,"maxRequestBodyBytes":4194304,"maxResponseBodyBytes":33554432},"x-later":{}}}`)
	auth := `{"serviceUrl":"http://127.0.0.1:9/stack"}`
	p.send(execute("1", auth))
	request := p.next()
	if request["type"] != "http.request" || request["execute"] != "1" || request["url"] != "/api/hello/v1/default/greetings?lang=en&limit=15" {
		t.Fatalf("http.request %v", request)
	}
	for _, pair := range request["headers"].([]any) {
		if name := strings.ToLower(pair.([]any)[0].(string)); name == "authorization" || name == "cookie" {
			t.Fatalf("credential header %s", name)
		}
	}
	p.send(fmt.Sprintf(`{"type":"http.response","id":%q,"status":200,"headers":[["content-type","application/json"]],"body":{"encoding":"utf8","data":"{\"data\":[]}"}}`, request["id"]))
	if result := p.next(); result["type"] != "result" || fmt.Sprint(result["data"]) != "map[data:[]]" {
		t.Fatalf("result %v", result)
	}

	p.send(execute("2", auth))
	request = p.next()
	p.send(`{"type":"cancel","id":"2","reason":"interrupted by the user"}`)
	p.send(fmt.Sprintf(`{"type":"http.error","id":%q,"error":{"kind":"cancelled","code":"cancelled","message":"the command was cancelled"}}`, request["id"]))
	if answer := p.next(); answer["type"] != "error" || answer["error"].(map[string]any)["kind"] != "cancelled" {
		t.Fatalf("after cancel: %v", answer)
	}

	p.send(execute("3", auth))
	if request := p.next(); request["type"] != "http.request" {
		t.Fatalf("expected an http.request, got %v", request)
	}
	p.stdin.Close()
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d at the end of stdin with an execute in flight", code)
	}
}

func TestABadCoreLineIsAProtocolError(t *testing.T) {
	p := start(t, "fctl-plugin-protocol")
	p.hello("[1]")
	p.send(`[1,2,3]`)
	if answer := p.next(); answer["type"] != "error" || answer["error"].(map[string]any)["kind"] != "protocol" {
		t.Fatalf("answer %v", answer)
	}
	if code := p.wait(); code != 1 {
		t.Fatalf("exit %d", code)
	}
}
