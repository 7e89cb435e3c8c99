// Package service is the example wallets service: GET /versions, and the wallets API under
// /api/wallets/v1 (list wallets, show one with its balances).
package service

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Prefix is where the wallets API lives.
const Prefix = "/api/wallets/v1"

const (
	defaultPageSize = 15
	maxPageSize     = 100
)

var semverPattern = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// Options configure the service.
type Options struct {
	// Version is the service's semver, without a leading v; /versions answers it with one.
	Version string
	// Token, when set, is required as "Authorization: Bearer <token>" on every route but /versions.
	Token string
	// Store holds the wallets; nil means the sample wallets.
	Store *Store
}

// New is the service's HTTP handler.
func New(options Options) (http.Handler, error) {
	if !semverPattern.MatchString(options.Version) {
		return nil, fmt.Errorf("invalid version %q: expected semver like 1.0.0", options.Version)
	}
	store := options.Store
	if store == nil {
		store = NewStore(SampleWallets())
	}
	api := http.NewServeMux()
	api.HandleFunc("GET "+Prefix+"/wallets", func(w http.ResponseWriter, r *http.Request) { listWallets(store, w, r) })
	api.HandleFunc("GET "+Prefix+"/wallets/{id}", func(w http.ResponseWriter, r *http.Request) {
		wallet, found := store.Get(r.PathValue("id"))
		if !found {
			sendError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("wallet %s not found", r.PathValue("id")))
			return
		}
		sendJSON(w, http.StatusOK, map[string]any{"data": wallet})
	})
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sendError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("no route %s %s on wallets v%s", r.Method, r.URL.Path, options.Version))
	})

	versions := map[string]any{"region": "local", "env": "example", "versions": []map[string]any{{"name": "wallets", "version": "v" + options.Version, "health": true}}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/versions" {
			sendJSON(w, http.StatusOK, versions)
			return
		}
		if options.Token != "" && r.Header.Get("Authorization") != "Bearer "+options.Token {
			sendError(w, http.StatusUnauthorized, "UNAUTHORIZED", "missing or invalid bearer token")
			return
		}
		api.ServeHTTP(w, r)
	}), nil
}

// listWallets answers GET /wallets?pageSize=N&name=<prefix>&metadata=key=value...
func listWallets(store *Store, w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	pageSize := defaultPageSize
	if text := query.Get("pageSize"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > maxPageSize {
			sendError(w, http.StatusBadRequest, "VALIDATION", fmt.Sprintf("pageSize must be an integer from 1 to %d; got %q", maxPageSize, text))
			return
		}
		pageSize = n
	}
	filter := Filter{NamePrefix: query.Get("name"), Metadata: map[string]string{}}
	for _, pair := range query["metadata"] {
		key, value, ok := strings.Cut(pair, "=")
		if !ok || key == "" {
			sendError(w, http.StatusBadRequest, "VALIDATION", fmt.Sprintf("metadata must be key=value; got %q", pair))
			return
		}
		filter.Metadata[key] = value
	}
	page, hasMore := store.List(filter, pageSize)
	sendJSON(w, http.StatusOK, map[string]any{"cursor": map[string]any{"pageSize": pageSize, "hasMore": hasMore, "data": page}})
}

func sendJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func sendError(w http.ResponseWriter, status int, code, message string) {
	sendJSON(w, status, map[string]string{"errorCode": code, "errorMessage": message})
}
