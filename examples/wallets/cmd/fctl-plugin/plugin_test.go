package main

// The commands through plugin.Invoke, against the real wallets service handler, under both
// protocol versions: v1 (the SDK requests the stack itself with the token) and v2 (every request
// through fctl's broker, here Invoke's).

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/fctl-plugin-kit/fctl-plugin-kit/examples/wallets/service"
	"github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin"
)

var protocolVersions = []int{1, 2}

func walletsService(t *testing.T, token string) http.Handler {
	t.Helper()
	handler, err := service.New(service.Options{Version: "1.0.0", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return handler
}

func invoke(t *testing.T, version int, path string, options plugin.InvokeOptions) (map[string]any, error) {
	t.Helper()
	options.ProtocolVersion = version
	data, err := plugin.Invoke(context.Background(), New(), path, options)
	if err != nil {
		return nil, err
	}
	return data.(map[string]any), nil
}

func commandError(t *testing.T, err error) *plugin.CommandError {
	t.Helper()
	var failure *plugin.CommandError
	if !errors.As(err, &failure) {
		t.Fatalf("want a command error, got %v", err)
	}
	return failure
}

func listedIDs(data map[string]any) []string {
	ids := []string{}
	for _, w := range data["data"].([]any) {
		ids = append(ids, w.(map[string]any)["id"].(string))
	}
	return ids
}

func TestTheManifestIsValidInBothVersions(t *testing.T) {
	for _, version := range protocolVersions {
		manifest, err := New().Manifest(version)
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		if err := manifest.Validate(); err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
	}
}

func TestListUnderBothVersions(t *testing.T) {
	for _, version := range protocolVersions {
		data, err := invoke(t, version, "list", plugin.InvokeOptions{Handler: walletsService(t, "secret"), Auth: plugin.Auth{AccessToken: "secret"}})
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		if ids := listedIDs(data); !reflect.DeepEqual(ids, []string{"wal_003", "wal_002", "wal_001"}) || data["hasMore"] != false {
			t.Errorf("v%d: %v", version, data)
		}
		first := data["data"].([]any)[0].(map[string]any)
		want := map[string]any{"id": "wal_003", "name": "treasury", "createdAt": "2026-05-15T08:00:00Z", "metadata": map[string]any{"team": "finance"}}
		if !reflect.DeepEqual(first, want) {
			t.Errorf("v%d: first row %v", version, first)
		}
	}
}

func TestListFlagsBecomeTheQuery(t *testing.T) {
	for _, version := range protocolVersions {
		data, err := invoke(t, version, "ls", plugin.InvokeOptions{Handler: walletsService(t, ""), Flags: map[string]any{"page-size": 1, "metadata": []string{"team=retail"}}})
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		if ids := listedIDs(data); !reflect.DeepEqual(ids, []string{"wal_002"}) || data["hasMore"] != true {
			t.Errorf("v%d: %v", version, data)
		}
		data, err = invoke(t, version, "list", plugin.InvokeOptions{Handler: walletsService(t, ""), Flags: map[string]any{"name": "al"}})
		if err != nil || !reflect.DeepEqual(listedIDs(data), []string{"wal_001"}) {
			t.Errorf("v%d --name al: %v %v", version, data, err)
		}
	}
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	for message, flags := range map[string]map[string]any{
		`flag --metadata expects key=value, got "team"`: {"metadata": []string{"team"}},
		`flag --page-size expects an integer, got "3"`:  {"page-size": "3"},
	} {
		_, err := invoke(t, 2, "list", plugin.InvokeOptions{Handler: walletsService(t, ""), Flags: flags})
		if failure := commandError(t, err); failure.Kind != plugin.KindUsage || failure.Message != message {
			t.Errorf("%v: got %+v", flags, failure)
		}
	}
	// The service's own validation (a page size out of its range) is a usage error too.
	_, err := invoke(t, 2, "list", plugin.InvokeOptions{Handler: walletsService(t, ""), Flags: map[string]any{"page-size": 1000}})
	if failure := commandError(t, err); failure.Kind != plugin.KindUsage || failure.Code != "VALIDATION" {
		t.Errorf("--page-size 1000: got %+v", failure)
	}
}

func TestShowFlattensTheBalancesInOrder(t *testing.T) {
	for _, version := range protocolVersions {
		data, err := invoke(t, version, "show", plugin.InvokeOptions{Handler: walletsService(t, ""), Args: []string{"wal_002"}})
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		want := map[string]any{
			"id": "wal_002", "name": "bob", "createdAt": "2026-05-14T09:30:00Z", "metadata": map[string]any{"team": "retail"},
			"balances": []any{
				map[string]any{"balance": "main", "asset": "USD/2", "amount": float64(990)},
				map[string]any{"balance": "savings", "asset": "USD/2", "amount": float64(50000)},
			},
		}
		if !reflect.DeepEqual(data, want) {
			t.Errorf("v%d: %v", version, data)
		}
	}
	data, err := invoke(t, 2, "show", plugin.InvokeOptions{Handler: walletsService(t, ""), Args: []string{"wal_001"}})
	if err != nil {
		t.Fatal(err)
	}
	if rows := data["balances"].([]any); rows[0].(map[string]any)["asset"] != "EUR/2" || rows[1].(map[string]any)["asset"] != "USD/2" {
		t.Errorf("assets of one balance are not ordered: %v", rows)
	}
}

func TestShowNeedsExactlyOneID(t *testing.T) {
	_, err := invoke(t, 2, "show", plugin.InvokeOptions{Handler: walletsService(t, "")})
	if failure := commandError(t, err); failure.Kind != plugin.KindUsage {
		t.Errorf("got %+v", failure)
	}
}

func TestServiceErrorsAreTyped(t *testing.T) {
	for _, version := range protocolVersions {
		_, err := invoke(t, version, "show", plugin.InvokeOptions{Handler: walletsService(t, ""), Args: []string{"wal_404"}})
		if failure := commandError(t, err); failure.Kind != plugin.KindNotFound || failure.Code != "NOT_FOUND" || failure.Message != "wallet wal_404 not found" {
			t.Errorf("v%d unknown wallet: %+v", version, failure)
		}
		_, err = invoke(t, version, "list", plugin.InvokeOptions{Handler: walletsService(t, "secret"), Auth: plugin.Auth{AccessToken: "wrong"}})
		if failure := commandError(t, err); failure.Kind != plugin.KindAuth || failure.Code != "UNAUTHORIZED" {
			t.Errorf("v%d wrong token: %+v", version, failure)
		}
		failing := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("busy"))
		})
		_, err = invoke(t, version, "list", plugin.InvokeOptions{Handler: failing})
		if failure := commandError(t, err); failure.Kind != plugin.KindService || failure.Message != "the wallets service answered HTTP 503" {
			t.Errorf("v%d 503 without a JSON body: %+v", version, failure)
		}
	}
}

func TestAnUnreachableServiceIsUnavailable(t *testing.T) {
	// v1: the SDK connects itself, to an address nothing listens on.
	_, err := invoke(t, 1, "list", plugin.InvokeOptions{})
	if failure := commandError(t, err); failure.Kind != plugin.KindUnavailable || failure.Code != "connect" {
		t.Errorf("v1: %+v", failure)
	}
	// v2: fctl answers http.error unavailable, here as when its connection is refused.
	refused := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		plugin.FailRequest(plugin.RequestError{Kind: plugin.RequestUnavailable, Code: "connect", Message: "connect ECONNREFUSED 127.0.0.1:443"})
	})
	_, err = invoke(t, 2, "list", plugin.InvokeOptions{Handler: refused})
	if failure := commandError(t, err); failure.Kind != plugin.KindUnavailable || failure.Code != "connect" {
		t.Errorf("v2: %+v", failure)
	}
}
