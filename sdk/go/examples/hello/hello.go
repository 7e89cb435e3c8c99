package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin"
)

// New is the plugin's definition.
func New() *plugin.Plugin {
	return &plugin.Plugin{
		Name:           "hello",
		Description:    "Greetings of the hello service",
		Repository:     "https://github.com/fctl-plugin-kit/fctl-plugin-kit",
		Issues:         "https://github.com/fctl-plugin-kit/fctl-plugin-kit/issues",
		CompatibleWith: ">=1.0.0 <2.0.0",
		Flags: []plugin.Flag{
			plugin.StringFlag{Name: "workspace", Shorthand: "w", Description: "Workspace to read", Default: "default"},
		},
		Commands: []*plugin.Command{
			{
				Use: "greetings", Aliases: []string{"g"}, Short: "Read greetings",
				Flags: []plugin.Flag{
					plugin.StringFlag{Name: "lang", Description: "Language of the greetings", Default: "en", Enum: []string{"en", "fr"}},
				},
				Commands: []*plugin.Command{
					{
						Use: "list", Aliases: []string{"ls"}, Short: "List greetings",
						Long:     "List the greetings of a workspace, newest first.",
						Examples: []string{"fctl hello greetings list --limit 5", "fctl hello g ls --tag morning,evening"},
						Flags: []plugin.Flag{
							plugin.IntFlag{Name: "limit", Description: "Most greetings to list", Default: plugin.IntDefault(15)},
							plugin.StringListFlag{Name: "tag", Description: "Only greetings with these tags"},
						},
						Display: &plugin.Display{RowsPath: "$.data", Columns: []plugin.Column{
							{Header: "ID", JSONPath: "$.id", Format: plugin.FormatNumber},
							{Header: "Text", JSONPath: "$.text"},
						}},
						Run: listGreetings,
					},
					{
						Use: "get", Short: "Show one greeting", Args: plugin.ExactArgs(1, "ID"),
						Display: &plugin.Display{Sections: []plugin.Section{
							{Title: "Greeting", Fields: []plugin.Field{{Label: "ID", JSONPath: "$.id"}, {Label: "Text", JSONPath: "$.text"}}},
						}},
						Run: getGreeting,
					},
					{
						Use: "delete", Short: "Delete a greeting", Args: plugin.ExactArgs(1, "ID"),
						Confirm: "Delete this greeting?",
						Flags: []plugin.Flag{
							plugin.BoolFlag{Name: "force", Description: "Ignored: deletes are always forced", Hidden: true, Deprecated: "--force is no longer needed"},
						},
						Run: deleteGreeting,
					},
				},
			},
			{
				Use: "greet", Short: "Greet someone (no request)", Args: plugin.RangeArgs(1, 3, "NAME"),
				Flags: []plugin.Flag{plugin.BoolFlag{Name: "shout", Description: "In capitals"}},
				Run:   greet,
			},
		},
	}
}

func listGreetings(ctx context.Context, call *plugin.Call) (any, error) {
	// A stray print: the SDK sends it to stderr, the protocol stays clean.
	fmt.Println("loading greetings...")
	query := url.Values{"limit": {fmt.Sprint(call.Flags.Int("limit"))}, "lang": {call.Flags.String("lang")}}
	for _, tag := range call.Flags.StringList("tag") {
		query.Add("tag", tag)
	}
	return getJSON(ctx, call, "/api/hello/v1/"+url.PathEscape(call.Flags.String("workspace"))+"/greetings?"+query.Encode())
}

func getGreeting(ctx context.Context, call *plugin.Call) (any, error) {
	return getJSON(ctx, call, "/api/hello/v1/"+url.PathEscape(call.Flags.String("workspace"))+"/greetings/"+url.PathEscape(call.Args[0]))
}

func deleteGreeting(ctx context.Context, call *plugin.Call) (any, error) {
	path := "/api/hello/v1/" + url.PathEscape(call.Flags.String("workspace")) + "/greetings/" + url.PathEscape(call.Args[0])
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := call.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return nil, plugin.Errorf(plugin.KindService, "the hello service answered %s", resp.Status)
	}
	return map[string]string{"deleted": call.Args[0]}, nil
}

func greet(_ context.Context, call *plugin.Call) (any, error) {
	text := "Hello, " + strings.Join(call.Args, " and ") + "!"
	if call.Flags.Bool("shout") {
		text = strings.ToUpper(text)
	}
	return map[string]string{"greeting": text}, nil
}

// getJSON requests path and decodes its JSON; an error status becomes a typed error answer.
func getJSON(ctx context.Context, call *plugin.Call, path string) (any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := call.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var failure struct {
			ErrorCode    string `json:"errorCode"`
			ErrorMessage string `json:"errorMessage"`
		}
		_ = json.Unmarshal(body, &failure)
		if failure.ErrorMessage == "" {
			failure.ErrorMessage = resp.Status
		}
		kind := plugin.KindService
		switch resp.StatusCode {
		case http.StatusNotFound:
			kind = plugin.KindNotFound
		case http.StatusUnauthorized, http.StatusForbidden:
			kind = plugin.KindAuth
		case http.StatusConflict:
			kind = plugin.KindConflict
		}
		return nil, plugin.Errorf(kind, "the hello service answered %d: %s", resp.StatusCode, failure.ErrorMessage).WithCode(failure.ErrorCode)
	}
	var data any
	if err := json.Unmarshal(body, &data); err != nil {
		return nil, plugin.Errorf(plugin.KindService, "the hello service answered something that is not JSON")
	}
	return data, nil
}
