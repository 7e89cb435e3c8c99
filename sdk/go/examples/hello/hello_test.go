package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin"
)

// stack stands for the hello service; it records the Authorization header it received.
func stack(seen *[]string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/hello/v1/{workspace}/greetings", func(w http.ResponseWriter, r *http.Request) {
		*seen = append(*seen, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"id": 1, "text": "hi " + r.PathValue("workspace") + " " + r.URL.Query().Get("limit") + " " + r.URL.Query().Get("lang")}}})
	})
	mux.HandleFunc("GET /api/hello/v1/{workspace}/greetings/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errorCode":"NOT_FOUND","errorMessage":"no greeting ` + r.PathValue("id") + `"}`))
	})
	return mux
}

func TestListUnderBothProtocolVersions(t *testing.T) {
	for _, version := range []int{1, 2} {
		var seen []string
		data, err := plugin.Invoke(context.Background(), New(), "g ls", plugin.InvokeOptions{
			ProtocolVersion: version, Handler: stack(&seen),
			Flags: map[string]any{"workspace": "team", "limit": 3},
			Auth:  plugin.Auth{AccessToken: "secret-token"},
		})
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		rows := data.(map[string]any)["data"].([]any)
		if text := rows[0].(map[string]any)["text"]; text != "hi team 3 en" {
			t.Errorf("v%d: text %q", version, text)
		}
		// v1: the SDK sends the token itself; v2: fctl (here Invoke's broker) adds it.
		if len(seen) != 1 || seen[0] != "Bearer secret-token" {
			t.Errorf("v%d: the stack saw %v", version, seen)
		}
	}
}

func TestErrorsAreTyped(t *testing.T) {
	var seen []string
	_, err := plugin.Invoke(context.Background(), New(), "greetings get", plugin.InvokeOptions{Args: []string{"42"}, Handler: stack(&seen)})
	var failure *plugin.CommandError
	if !errors.As(err, &failure) || failure.Kind != plugin.KindNotFound || failure.Code != "NOT_FOUND" {
		t.Fatalf("got %v", err)
	}
	_, err = plugin.Invoke(context.Background(), New(), "greetings list", plugin.InvokeOptions{Flags: map[string]any{"lang": "de"}})
	if !errors.As(err, &failure) || failure.Kind != plugin.KindUsage || failure.Message != `flag --lang must be one of en, fr; got "de"` {
		t.Fatalf("got %v", err)
	}
	_, err = plugin.Invoke(context.Background(), New(), "greet", plugin.InvokeOptions{})
	if !errors.As(err, &failure) || failure.Kind != plugin.KindUsage {
		t.Fatalf("greet without a name: %v", err)
	}
}

func TestGreetNeedsNoRequest(t *testing.T) {
	data, err := plugin.Invoke(context.Background(), New(), "greet", plugin.InvokeOptions{Args: []string{"Ada", "Alan"}, Flags: map[string]any{"shout": true}})
	if err != nil || data.(map[string]any)["greeting"] != "HELLO, ADA AND ALAN!" {
		t.Fatalf("got %v, %v", data, err)
	}
}

func TestDeleteSendsADelete(t *testing.T) {
	var method string
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method = r.Method + " " + r.URL.Path
		w.WriteHeader(http.StatusNoContent)
	})
	data, err := plugin.Invoke(context.Background(), New(), "greetings delete", plugin.InvokeOptions{Args: []string{"7"}, Handler: handler, Flags: map[string]any{"force": true}})
	if err != nil || data.(map[string]any)["deleted"] != "7" || method != "DELETE /api/hello/v1/default/greetings/7" {
		t.Fatalf("got %v, %v; the stack saw %q", data, err, method)
	}
}
