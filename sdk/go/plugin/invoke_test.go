package plugin

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func items(seen *[]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*seen = append(*seen, r.URL.Path+" "+r.Header.Get("Authorization"))
		w.Write([]byte("ok"))
	})
}

func TestInvokeBothVersionsSameHandler(t *testing.T) {
	for _, version := range []int{1, 2} {
		var seen []string
		data, err := Invoke(context.Background(), testPlugin(), "get", InvokeOptions{ProtocolVersion: version, Args: []string{"/api/probe/items"}, Handler: items(&seen), Auth: Auth{AccessToken: "tok"}})
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		result := data.(map[string]any)
		if result["status"] != float64(200) || result["body"] != "ok" || len(seen) != 1 || seen[0] != "/api/probe/items Bearer tok" {
			t.Errorf("v%d: %v, the stack saw %v", version, result, seen)
		}
		// Under v2 the handler never holds the token: fctl (here Invoke) adds it.
		if want := map[int]string{1: "tok", 2: ""}[version]; result["token"] != want {
			t.Errorf("v%d: the handler's token is %q", version, result["token"])
		}
	}
}

func TestInvokeV1StaysWithinTheStack(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("another origin was requested") }))
	defer other.Close()
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api/probe/x", http.StatusFound)
	})
	cases := map[string]string{"/api/other/x": "outside_prefix", "/api/probex": "outside_prefix", other.URL + "/api/probe/x": "other_origin", "/api/probe/redirect": "redirect_other_origin"}
	for path, code := range cases {
		_, err := Invoke(context.Background(), testPlugin(), "get", InvokeOptions{ProtocolVersion: 1, Args: []string{path}, Handler: redirect})
		var failure *CommandError
		if !errors.As(err, &failure) || failure.Kind != KindInternal || failure.Code != code {
			t.Errorf("%s: got %v, want internal (%s)", path, err, code)
		}
	}
}

func TestInvokeWithoutHandlerAndCancelled(t *testing.T) {
	_, err := Invoke(context.Background(), testPlugin(), "fetch", InvokeOptions{ProtocolVersion: 2})
	var failure *CommandError
	if !errors.As(err, &failure) || failure.Code != "no_fake_handler" {
		t.Errorf("v2 without a handler: %v", err)
	}
	_, err = Invoke(context.Background(), testPlugin(), "fetch", InvokeOptions{ProtocolVersion: 1})
	if !errors.As(err, &failure) || failure.Kind != KindUnavailable || failure.Code != "connect" {
		t.Errorf("v1 with nothing listening: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Invoke(ctx, testPlugin(), "wait", InvokeOptions{})
	if !errors.As(err, &failure) || failure.Kind != KindCancelled {
		t.Errorf("cancelled: %v", err)
	}
}

func TestInvokeFailRequest(t *testing.T) {
	failing := func(failure RequestError) http.Handler {
		return http.HandlerFunc(func(http.ResponseWriter, *http.Request) { FailRequest(failure) })
	}
	cases := []struct {
		version    int
		failure    RequestError
		kind, code string
	}{
		// v2: the broker's http.error as given, mapped as fctl's would be.
		{2, RequestError{Kind: RequestUnavailable, Code: "dns", Message: "stack.example: no such host"}, KindUnavailable, "dns"},
		{2, RequestError{Kind: RequestTimeout, Code: "timeout", Message: "no answer within 30000 ms"}, KindUnavailable, "timeout"},
		// A failure protocol v2 does not allow is the fake's mistake, said as such.
		{2, RequestError{Kind: "lost", Code: "x", Message: "?"}, KindInternal, "invalid_fake_answer"},
		// v1: the connection is dropped; the SDK's own client says network.
		{1, RequestError{Kind: RequestUnavailable, Code: "dns", Message: "stack.example: no such host"}, KindUnavailable, "network"},
	}
	for _, c := range cases {
		_, err := Invoke(context.Background(), testPlugin(), "fetch", InvokeOptions{ProtocolVersion: c.version, Handler: failing(c.failure)})
		var failure *CommandError
		if !errors.As(err, &failure) || failure.Kind != c.kind || failure.Code != c.code {
			t.Errorf("v%d %+v: got %v (%+v), want %s (%s)", c.version, c.failure, err, failure, c.kind, c.code)
		}
	}
	// A handler's other panics are not failures it asked for; under v2 they still read as a network failure.
	_, err := Invoke(context.Background(), testPlugin(), "fetch", InvokeOptions{ProtocolVersion: 2, Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })})
	var failure *CommandError
	if !errors.As(err, &failure) || failure.Code != "network" || failure.Message == "" {
		t.Errorf("a panicking handler: %v", err)
	}
}
