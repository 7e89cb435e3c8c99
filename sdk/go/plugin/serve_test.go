package plugin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// guard bounds every wait of these tests: a hang fails the test instead of blocking the suite.
const guard = 10 * time.Second

func testPlugin() *Plugin {
	return &Plugin{
		Name: "probe", Description: "Probe",
		Flags: []Flag{StringFlag{Name: "ledger", Description: "l", Default: "main"}},
		Commands: []*Command{
			{Use: "echo", Short: "Echo", Args: MinArgs(0),
				Flags: []Flag{IntFlag{Name: "n", Description: "n"}, BoolFlag{Name: "all", Description: "a"}, StringListFlag{Name: "tag", Description: "t"}},
				Run: func(_ context.Context, call *Call) (any, error) {
					return map[string]any{"ledger": call.Flags.String("ledger"), "n": call.Flags.Int("n"), "all": call.Flags.Bool("all"), "tag": call.Flags.StringList("tag"),
						"args": call.Args, "token": call.Auth.AccessToken, "version": call.ProtocolVersion}, nil
				}},
			{Use: "deep", Short: "Deep", Run: func(context.Context, *Call) (any, error) {
				var data any = 1
				for range MaxJSONDepth { // one level over: the result message adds one
					data = []any{data}
				}
				return data, nil
			}},
			{Use: "big", Short: "Big", Run: func(context.Context, *Call) (any, error) { return strings.Repeat("x", MaxResultBytes), nil }},
			{Use: "panic", Short: "Panic", Run: func(context.Context, *Call) (any, error) { panic("boom") }},
			{Use: "wait", Short: "Wait", Run: func(ctx context.Context, _ *Call) (any, error) {
				<-ctx.Done()
				return nil, context.Cause(ctx)
			}},
			{Use: "fetch", Short: "Fetch", Run: func(ctx context.Context, call *Call) (any, error) {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/api/probe/items", nil)
				resp, err := call.HTTP.Do(req)
				if err != nil {
					return nil, err
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return map[string]any{"status": resp.StatusCode, "body": string(body)}, nil
			}},
			{Use: "get", Short: "Get a path", Args: ExactArgs(1, "PATH"), Run: func(ctx context.Context, call *Call) (any, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, call.Args[0], nil)
				if err != nil {
					return nil, err
				}
				resp, err := call.HTTP.Do(req)
				if err != nil {
					return nil, err
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return map[string]any{"status": resp.StatusCode, "body": string(body), "token": call.Auth.AccessToken}, nil
			}},
			{Use: "fail", Short: "Fail", Run: func(context.Context, *Call) (any, error) {
				return nil, fmt.Errorf("wrapped: %w", Errorf(KindNotFound, "no such thing").WithCode("NOT_FOUND"))
			}},
		},
	}
}

type conversation struct {
	t      *testing.T
	outbox chan string
	lines  chan string
	done   chan int
}

func talk(t *testing.T, p *Plugin) *conversation {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &conversation{t: t, outbox: make(chan string, 100), lines: make(chan string, 100), done: make(chan int, 1)}
	// One writer, in order; it stops writing when the plugin stops reading.
	go func() {
		defer inW.Close()
		for line := range c.outbox {
			if _, err := inW.Write([]byte(line + "\n")); err != nil {
				return
			}
		}
	}()
	go func() {
		code := serve(p, inR, outW, io.Discard)
		outW.Close()
		c.done <- code
	}()
	go func() {
		scanner := bufio.NewScanner(outR)
		scanner.Buffer(nil, 64*MiB)
		for scanner.Scan() {
			c.lines <- scanner.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() { inR.Close() })
	return c
}

func (c *conversation) send(line string) {
	c.t.Helper()
	c.outbox <- line
}

func (c *conversation) next() map[string]any {
	c.t.Helper()
	select {
	case line, ok := <-c.lines:
		if !ok {
			c.t.Fatal("the plugin's stdout ended")
		}
		var message map[string]any
		if err := json.Unmarshal([]byte(line), &message); err != nil {
			c.t.Fatalf("not JSON on stdout: %q", line)
		}
		return message
	case <-time.After(guard):
		c.t.Fatal("no line from the plugin")
	}
	return nil
}

func (c *conversation) exit() int {
	c.t.Helper()
	select {
	case code := <-c.done:
		return code
	case <-time.After(guard):
		c.t.Fatal("serve did not return")
	}
	return -1
}

func (c *conversation) hello(versions string) map[string]any {
	c.send(`{"type":"hello","protocolVersions":` + versions + `,"core":{"name":"fctl","version":"0.1.0"}}`)
	return c.next()
}

func (c *conversation) open(version int) {
	c.t.Helper()
	if got := c.hello(fmt.Sprintf("[%d]", version)); got["protocolVersion"] != float64(version) {
		c.t.Fatalf("hello: %v", got)
	}
	if version == 2 {
		c.send(`{"type":"session","capabilities":{"http":{"maxInFlight":2,"maxRequestBodyBytes":4194304,"maxResponseBodyBytes":33554432}}}`)
	}
}

func executeLine(version int, id string, command []string, flags string) string {
	auth := `{"serviceUrl":"http://127.0.0.1:1","accessToken":"tok","insecureSkipTlsVerify":false}`
	if version == 2 {
		auth = `{"serviceUrl":"http://127.0.0.1:1"}`
	}
	path, _ := json.Marshal(command)
	return fmt.Sprintf(`{"type":"execute","id":%q,"command":%s,"args":[],"flags":%s,"output":"json","debug":false,"auth":%s,"timeoutMs":60000}`, id, path, flags, auth)
}

func errorOf(message map[string]any) (kind, code string) {
	body, _ := message["error"].(map[string]any)
	kind, _ = body["kind"].(string)
	code, _ = body["code"].(string)
	return kind, code
}

func TestNegotiationPicksTheHighestCommonVersion(t *testing.T) {
	cases := []struct {
		spoken  []int
		offered string
		want    float64
	}{
		{nil, "[1]", 1}, {nil, "[1,2]", 2}, {nil, "[2]", 2}, {[]int{1}, "[1,2]", 1}, {nil, "[2,1,7]", 2},
	}
	for _, c := range cases {
		p := testPlugin()
		p.ProtocolVersions = c.spoken
		hello := talk(t, p).hello(c.offered)
		manifest, _ := hello["manifest"].(map[string]any)
		if hello["type"] != "hello" || hello["protocolVersion"] != c.want || manifest["protocolVersion"] != c.want {
			t.Errorf("plugin %v offered %s: %v", c.spoken, c.offered, hello)
		}
		if _, has := hello["capabilities"]; has != (c.want == 2) {
			t.Errorf("capabilities only in a v2 hello: %v", hello)
		}
	}
}

func TestNegotiationRefusesWithoutACommonVersion(t *testing.T) {
	for _, c := range []struct {
		spoken  []int
		offered string
	}{{[]int{1}, "[2]"}, {nil, "[99]"}} {
		p := testPlugin()
		p.ProtocolVersions = c.spoken
		conversation := talk(t, p)
		refusal := conversation.hello(c.offered)
		kind, code := errorOf(refusal)
		if refusal["type"] != "error" || kind != "protocol" || code != "unsupported_protocol_version" || refusal["protocolVersions"] == nil {
			t.Errorf("offered %s: %v", c.offered, refusal)
		}
		if status := conversation.exit(); status != 1 {
			t.Errorf("exit %d after refusing", status)
		}
	}
}

func TestProtocolErrorsOnBadCoreLines(t *testing.T) {
	deep := strings.Repeat("[", 70) + strings.Repeat("]", 70)
	cases := []struct {
		name    string
		version int
		line    string
		code    string
	}{
		{"not json", 1, `{"type":"execute",`, ""},
		{"not an object", 1, `[1,2,3]`, ""},
		{"unknown type", 2, `{"type":"shutdown"}`, ""},
		{"too deep", 1, `{"type":"cancel","id":"1","reason":` + deep + `}`, ""},
		{"hello twice", 1, `{"type":"hello","protocolVersions":[1],"core":{"name":"fctl","version":"1"}}`, ""},
		{"v2 type in v1", 1, `{"type":"session","capabilities":{"http":{"maxInFlight":1,"maxRequestBodyBytes":1,"maxResponseBodyBytes":1}}}`, ""},
		{"second session", 2, `{"type":"session","capabilities":{"http":{"maxInFlight":1,"maxRequestBodyBytes":1,"maxResponseBodyBytes":1}}}`, "repeated_session"},
		{"token in v2", 2, strings.Replace(executeLine(2, "1", []string{"echo"}, "{}"), `"auth":{`, `"auth":{"accessToken":"t",`, 1), ""},
	}
	for _, c := range cases {
		conversation := talk(t, testPlugin())
		conversation.open(c.version)
		conversation.send(c.line)
		answer := conversation.next()
		kind, code := errorOf(answer)
		if kind != "protocol" || code != c.code {
			t.Errorf("%s: answered %v", c.name, answer)
		}
		if status := conversation.exit(); status != 1 {
			t.Errorf("%s: exit %d", c.name, status)
		}
	}
}

func TestHelloFirstAndSessionBeforeExecute(t *testing.T) {
	first := talk(t, testPlugin())
	first.send(executeLine(1, "1", []string{"echo"}, "{}"))
	if kind, _ := errorOf(first.next()); kind != "protocol" || first.exit() != 1 {
		t.Error("an execute before hello is a protocol error, exit 1")
	}
	noSession := talk(t, testPlugin())
	noSession.hello("[2]")
	noSession.send(executeLine(2, "1", []string{"echo"}, "{}"))
	if kind, code := errorOf(noSession.next()); kind != "protocol" || code != "no_session" || noSession.exit() != 1 {
		t.Error("an execute before session is a protocol error no_session, exit 1")
	}
}

func TestExecuteGetsTypedFlagsAndArgs(t *testing.T) {
	for _, version := range []int{1, 2} {
		c := talk(t, testPlugin())
		c.open(version)
		line := strings.Replace(executeLine(version, "7", []string{"echo"}, `{"n":3,"all":true,"tag":["a","b"]}`), `"args":[]`, `"args":["x","y"]`, 1)
		c.send(line)
		result := c.next()
		data, _ := result["data"].(map[string]any)
		want := map[string]any{"ledger": "main", "n": float64(3), "all": true, "args": []any{"x", "y"}, "tag": []any{"a", "b"}, "version": float64(version)}
		for key, value := range want {
			if fmt.Sprint(data[key]) != fmt.Sprint(value) {
				t.Errorf("v%d %s = %v, want %v", version, key, data[key], value)
			}
		}
		if result["id"] != "7" || (version == 2 && data["token"] != "") || (version == 1 && data["token"] != "tok") {
			t.Errorf("v%d: %v", version, result)
		}
	}
}

func TestExecuteErrorAnswers(t *testing.T) {
	cases := []struct {
		command []string
		flags   string
		kind    string
		code    string
	}{
		{[]string{"nope"}, "{}", "usage", "unknown_command"},
		{[]string{"echo"}, `{"nope":1}`, "usage", ""},
		{[]string{"echo"}, `{"n":"3"}`, "usage", ""},
		{[]string{"deep"}, "{}", "internal", "result_too_deep"},
		{[]string{"big"}, "{}", "internal", "result_too_large"},
		{[]string{"panic"}, "{}", "internal", ""},
		{[]string{"fail"}, "{}", "not_found", "NOT_FOUND"},
	}
	c := talk(t, testPlugin())
	c.open(1)
	for i, want := range cases {
		id := fmt.Sprint(i)
		c.send(executeLine(1, id, want.command, want.flags))
		answer := c.next()
		kind, code := errorOf(answer)
		if answer["id"] != id || kind != want.kind || code != want.code {
			t.Errorf("%v %s: answered %v", want.command, want.flags, answer)
		}
	}
}

func TestCancelAnswersCancelled(t *testing.T) {
	for _, version := range []int{1, 2} {
		c := talk(t, testPlugin())
		c.open(version)
		c.send(executeLine(version, "1", []string{"wait"}, "{}"))
		c.send(`{"type":"cancel","id":"1","reason":"interrupted by the user"}`)
		if kind, _ := errorOf(c.next()); kind != "cancelled" {
			t.Errorf("v%d: a cancelled execute answers kind cancelled", version)
		}
	}
}

func TestEndOfStdinEndsTheConversationWithAnExecuteInFlight(t *testing.T) {
	c := talk(t, testPlugin())
	c.open(2)
	c.send(executeLine(2, "1", []string{"fetch"}, "{}"))
	if request := c.next(); request["type"] != "http.request" {
		t.Fatalf("expected an http.request, got %v", request)
	}
	c.closeStdin()
	if status := c.exit(); status != 0 {
		t.Fatalf("exit %d at the end of stdin", status)
	}
}

func TestBrokeredRequestsAndTheirErrors(t *testing.T) {
	c := talk(t, testPlugin())
	c.open(2)
	c.send(executeLine(2, "1", []string{"fetch"}, "{}"))
	request := c.next()
	if request["type"] != "http.request" || request["execute"] != "1" || request["method"] != "GET" || request["url"] != "/api/probe/items" {
		t.Fatalf("http.request %v", request)
	}
	for _, pair := range request["headers"].([]any) {
		if name := pair.([]any)[0].(string); isCredentialHeader(name) {
			t.Fatalf("credential header %s sent", name)
		}
	}
	c.send(fmt.Sprintf(`{"type":"http.response","id":%q,"status":503,"headers":[["content-type","text/plain"]],"body":{"encoding":"base64","data":"ZG93bg=="}}`, request["id"]))
	result := c.next()
	if data, _ := result["data"].(map[string]any); data["status"] != float64(503) || data["body"] != "down" {
		t.Fatalf("result %v", result)
	}
	for _, e := range []struct{ kind, code, want string }{{"refused", "other_origin", "internal"}, {"unavailable", "connect", "unavailable"}, {"timeout", "timeout", "unavailable"}, {"cancelled", "cancelled", "cancelled"}} {
		c.send(executeLine(2, e.kind, []string{"fetch"}, "{}"))
		request := c.next()
		c.send(fmt.Sprintf(`{"type":"http.error","id":%q,"error":{"kind":%q,"code":%q,"message":"m"}}`, request["id"], e.kind, e.code))
		kind, code := errorOf(c.next())
		if kind != e.want || code != e.code {
			t.Errorf("http.error %s became %s (%s), want %s (%s)", e.kind, kind, code, e.want, e.code)
		}
	}
}

func TestBrokerKeepsWithinMaxInFlight(t *testing.T) {
	lines := make(chan []byte, 10)
	b := newBroker(func(line []byte) { lines <- line }, HTTPLimits{MaxInFlight: 1, MaxRequestBodyBytes: 10, MaxResponseBodyBytes: 10})
	client := newHTTPClient(&brokerTransport{broker: b, executeID: "1", execute: context.Background()}, false)
	results := make(chan error, 3)
	for range 3 {
		go func() {
			resp, err := client.Get("/api/x")
			if err == nil {
				resp.Body.Close()
			}
			results <- err
		}()
	}
	for sent := 0; sent < 3; sent++ {
		// Wait (bounded) until the calls left are queued and one request is on the wire.
		deadline := time.Now().Add(guard)
		for b.queued.Load() != int64(2-sent) || len(lines) != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d queued, %d on the wire (want %d and 1)", sent, b.queued.Load(), len(lines), 2-sent)
			}
			time.Sleep(time.Millisecond)
		}
		var request httpRequestMessage
		if err := json.Unmarshal(<-lines, &request); err != nil {
			t.Fatal(err)
		}
		b.deliver(&coreMessage{Type: "http.response", ID: request.ID, Status: 204})
	}
	for range 3 {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
}

func TestRequestsRefusedBeforeSending(t *testing.T) {
	b := newBroker(func([]byte) { t.Error("a refused request was sent") }, HTTPLimits{MaxInFlight: 1, MaxRequestBodyBytes: 4, MaxResponseBodyBytes: 10})
	client := newHTTPClient(&brokerTransport{broker: b, executeID: "1", execute: context.Background()}, false)
	cases := map[string]func() (*http.Request, error){
		"credential_header": func() (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, "/api/x", nil)
			req.Header.Set("X-Auth-Token", "t")
			return req, err
		},
		"reserved_header": func() (*http.Request, error) {
			r, err := http.NewRequest("GET", "/api/x", nil)
			r.Header.Set("Connection", "x")
			return r, err
		},
		"request_body_too_large": func() (*http.Request, error) { return http.NewRequest("POST", "/api/x", strings.NewReader("12345")) },
		"dot_segment":            func() (*http.Request, error) { return http.NewRequest("GET", "/api/%252e%252e/x", nil) },
		"fragment":               func() (*http.Request, error) { return http.NewRequest("GET", "/api/x#frag", nil) },
		"userinfo":               func() (*http.Request, error) { return http.NewRequest("GET", "http://u:p@127.0.0.1/api/x", nil) },
	}
	for code, build := range cases {
		req, err := build()
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Do(req)
		var refused *RequestError
		if !errors.As(err, &refused) || refused.Code != code {
			t.Errorf("%s: got %v", code, err)
		}
	}
}

// closeStdin ends the plugin's stdin after the lines sent so far.
func (c *conversation) closeStdin() { close(c.outbox) }

func TestAHelloOverTheLimitIsNotSent(t *testing.T) {
	p := testPlugin()
	for i := range 60 {
		p.Commands = append(p.Commands, &Command{Use: fmt.Sprintf("c%d", i), Short: "C", Long: strings.Repeat("x", 20000), Run: run})
	}
	c := talk(t, p)
	c.send(`{"type":"hello","protocolVersions":[1],"core":{"name":"fctl","version":"0.1.0"}}`)
	if status := c.exit(); status != 70 {
		t.Fatalf("exit %d", status)
	}
	if _, more := <-c.lines; more {
		t.Fatal("a line was written")
	}
}
