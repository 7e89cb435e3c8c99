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
