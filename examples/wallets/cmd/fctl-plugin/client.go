package main

// Requests to the wallets API through the SDK's client: fctl makes them with the user's
// credentials (protocol v2), or the SDK does with the token fctl passed (v1). This code holds no
// token.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin"
)

const apiPrefix = "/api/wallets/v1"

// apiError is the service's error body.
type apiError struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// getJSON requests GET <apiPrefix><path>?<query> and decodes the answer into target; an error
// status or an unreachable service becomes a typed error answer.
func getJSON(ctx context.Context, call *plugin.Call, path string, query url.Values, target any) error {
	address := apiPrefix + path
	if len(query) > 0 {
		address += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	call.Log.Debugf("→ GET %s", address)
	resp, err := call.HTTP.Do(req)
	if err != nil {
		var failure *plugin.RequestError
		if errors.As(err, &failure) && (failure.Kind == plugin.RequestUnavailable || failure.Kind == plugin.RequestTimeout) {
			return plugin.Errorf(plugin.KindUnavailable, "cannot reach the wallets service: %s", failure.Message).WithCode(failure.Code)
		}
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	call.Log.Debugf("← HTTP %d", resp.StatusCode)
	if resp.StatusCode >= 300 {
		return errorFor(resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, target); err != nil {
		return plugin.Errorf(plugin.KindService, "the wallets service answered something that is not the expected JSON: %v", err)
	}
	return nil
}

func errorFor(status int, body []byte) *plugin.CommandError {
	var failure apiError
	_ = json.Unmarshal(body, &failure)
	message := failure.ErrorMessage
	if message == "" {
		message = fmt.Sprintf("the wallets service answered HTTP %d", status)
	}
	kind := plugin.KindService
	switch status {
	case http.StatusNotFound:
		kind = plugin.KindNotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		kind = plugin.KindAuth
	case http.StatusConflict:
		kind = plugin.KindConflict
	case http.StatusBadRequest:
		kind = plugin.KindUsage
	}
	return plugin.Errorf(kind, "%s", message).WithCode(failure.ErrorCode)
}
