package service

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

func newService(t *testing.T, options Options) http.Handler {
	t.Helper()
	if options.Version == "" {
		options.Version = "1.0.0"
	}
	handler, err := New(options)
	if err != nil {
		t.Fatal(err)
	}
	return handler
}

// get requests path and decodes the JSON answer.
func get(t *testing.T, handler http.Handler, path string, header http.Header) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for name, values := range header {
		req.Header[name] = values
	}
	recorder := httptest.NewRecorder()
	handler.ServeHTTP(recorder, req)
	if kind := recorder.Header().Get("Content-Type"); kind != "application/json" {
		t.Fatalf("GET %s: Content-Type %q", path, kind)
	}
	var body map[string]any
	if err := json.Unmarshal(recorder.Body.Bytes(), &body); err != nil {
		t.Fatalf("GET %s: %v in %q", path, err, recorder.Body)
	}
	return recorder.Code, body
}

func ids(t *testing.T, body map[string]any) []string {
	t.Helper()
	list := []string{}
	for _, w := range body["cursor"].(map[string]any)["data"].([]any) {
		list = append(list, w.(map[string]any)["id"].(string))
	}
	return list
}

func TestVersionsHasTheLedgerExampleShape(t *testing.T) {
	status, body := get(t, newService(t, Options{Version: "1.2.3", Token: "secret"}), "/versions", nil)
	want := map[string]any{"region": "local", "env": "example", "versions": []any{map[string]any{"name": "wallets", "version": "v1.2.3", "health": true}}}
	if status != http.StatusOK || !reflect.DeepEqual(body, want) {
		t.Fatalf("got %d %v", status, body)
	}
}

func TestAnInvalidVersionIsRefused(t *testing.T) {
	for _, version := range []string{"", "v1.0.0", "1.0", "latest"} {
		if _, err := New(Options{Version: version}); err == nil {
			t.Errorf("version %q was accepted", version)
		}
	}
}

func TestListIsNewestFirstAndPaged(t *testing.T) {
	handler := newService(t, Options{})
	status, body := get(t, handler, Prefix+"/wallets", nil)
	if status != http.StatusOK || !reflect.DeepEqual(ids(t, body), []string{"wal_003", "wal_002", "wal_001"}) {
		t.Fatalf("got %d %v", status, body)
	}
	if cursor := body["cursor"].(map[string]any); cursor["hasMore"] != false || cursor["pageSize"] != float64(15) {
		t.Errorf("cursor %v", cursor)
	}
	if _, hasBalances := body["cursor"].(map[string]any)["data"].([]any)[0].(map[string]any)["balances"]; hasBalances {
		t.Error("the list carries balances; only show does")
	}
	_, body = get(t, handler, Prefix+"/wallets?pageSize=2", nil)
	if !reflect.DeepEqual(ids(t, body), []string{"wal_003", "wal_002"}) || body["cursor"].(map[string]any)["hasMore"] != true {
		t.Errorf("pageSize=2: %v", body)
	}
}

func TestListFilters(t *testing.T) {
	handler := newService(t, Options{})
	for query, want := range map[string][]string{
		"name=b":                                {"wal_002"},
		"metadata=team%3Dretail":                {"wal_002", "wal_001"},
		"metadata=team%3Dretail&name=al":        {"wal_001"},
		"metadata=team%3Dretail&metadata=x%3Dy": {},
		"name=nobody":                           {},
	} {
		status, body := get(t, handler, Prefix+"/wallets?"+query, nil)
		if status != http.StatusOK || !reflect.DeepEqual(ids(t, body), want) {
			t.Errorf("%s: got %d %v, want %v", query, status, body, want)
		}
	}
}

func TestBadListQueriesAre400(t *testing.T) {
	handler := newService(t, Options{})
	for _, query := range []string{"pageSize=0", "pageSize=101", "pageSize=ten", "metadata=team", "metadata=%3Dx"} {
		status, body := get(t, handler, Prefix+"/wallets?"+query, nil)
		if status != http.StatusBadRequest || body["errorCode"] != "VALIDATION" {
			t.Errorf("%s: got %d %v", query, status, body)
		}
	}
}

func TestShowHasBalances(t *testing.T) {
	status, body := get(t, newService(t, Options{}), Prefix+"/wallets/wal_002", nil)
	want := map[string]any{"data": map[string]any{
		"id": "wal_002", "name": "bob", "createdAt": "2026-05-14T09:30:00Z", "metadata": map[string]any{"team": "retail"},
		"balances": map[string]any{"main": map[string]any{"assets": map[string]any{"USD/2": float64(990)}}, "savings": map[string]any{"assets": map[string]any{"USD/2": float64(50000)}}},
	}}
	if status != http.StatusOK || !reflect.DeepEqual(body, want) {
		t.Fatalf("got %d %v", status, body)
	}
}

func TestUnknownWalletsAndRoutesAre404(t *testing.T) {
	handler := newService(t, Options{})
	status, body := get(t, handler, Prefix+"/wallets/wal_404", nil)
	if status != http.StatusNotFound || body["errorCode"] != "NOT_FOUND" || body["errorMessage"] != "wallet wal_404 not found" {
		t.Errorf("unknown wallet: %d %v", status, body)
	}
	status, body = get(t, handler, "/api/wallets/v2/wallets", nil)
	if status != http.StatusNotFound || body["errorMessage"] != "no route GET /api/wallets/v2/wallets on wallets v1.0.0" {
		t.Errorf("unknown route: %d %v", status, body)
	}
}

func TestTheTokenGuardsTheAPIButNotVersions(t *testing.T) {
	handler := newService(t, Options{Token: "secret"})
	for _, header := range []http.Header{nil, {"Authorization": {"Bearer wrong"}}, {"Authorization": {"secret"}}} {
		status, body := get(t, handler, Prefix+"/wallets", header)
		if status != http.StatusUnauthorized || body["errorCode"] != "UNAUTHORIZED" {
			t.Errorf("%v: got %d %v", header, status, body)
		}
	}
	if status, _ := get(t, handler, Prefix+"/wallets", http.Header{"Authorization": {"Bearer secret"}}); status != http.StatusOK {
		t.Errorf("with the token: %d", status)
	}
	if status, _ := get(t, handler, "/versions", nil); status != http.StatusOK {
		t.Errorf("/versions without the token: %d", status)
	}
}
