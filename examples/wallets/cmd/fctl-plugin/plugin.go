package main

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin"
)

// wallet is a wallet as the service answers it; balances only on show.
type wallet struct {
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	CreatedAt string             `json:"createdAt"`
	Metadata  map[string]string  `json:"metadata"`
	Balances  map[string]balance `json:"balances,omitempty"`
}

// balance is one named balance of a wallet: an amount per asset, in the asset's minor unit.
type balance struct {
	Assets map[string]int64 `json:"assets"`
}

// balanceRow is one line of a wallet's balances table: a balance's amount of one asset.
type balanceRow struct {
	Balance string `json:"balance"`
	Asset   string `json:"asset"`
	Amount  int64  `json:"amount"`
}

// New is the plugin's definition.
func New() *plugin.Plugin {
	return &plugin.Plugin{
		Name:           "wallets",
		Description:    "Wallets v1: wallets and their balances",
		Repository:     "https://github.com/fctl-plugin-kit/fctl-plugin-kit",
		Issues:         "https://github.com/fctl-plugin-kit/fctl-plugin-kit/issues",
		CompatibleWith: ">=1.0.0 <2.0.0",
		Commands: []*plugin.Command{
			{
				Use: "list", Aliases: []string{"ls"}, Short: "List wallets, newest first",
				Examples: []string{"fctl wallets list --page-size 5", "fctl wallets list --name al --metadata team=retail"},
				Flags: []plugin.Flag{
					plugin.IntFlag{Name: "page-size", Description: "How many wallets to show", Default: plugin.IntDefault(15)},
					plugin.StringFlag{Name: "name", Description: "Only wallets whose name starts with this prefix"},
					plugin.StringListFlag{Name: "metadata", Description: "Only wallets with this metadata (key=value, repeatable)"},
				},
				Display: &plugin.Display{RowsPath: "$.data", Columns: []plugin.Column{
					{Header: "ID", JSONPath: "$.id"},
					{Header: "NAME", JSONPath: "$.name"},
					{Header: "CREATED", JSONPath: "$.createdAt", Format: plugin.FormatTimestamp},
				}},
				Run: listWallets,
			},
			{
				Use: "show", Short: "Show one wallet and its balances", Args: plugin.ExactArgs(1, "ID"),
				Display: &plugin.Display{Sections: []plugin.Section{
					{Title: "Wallet", Fields: []plugin.Field{
						{Label: "ID", JSONPath: "$.id"},
						{Label: "Name", JSONPath: "$.name"},
						{Label: "Created", JSONPath: "$.createdAt", Format: plugin.FormatTimestamp},
					}},
					{Title: "Balances", RowsPath: "$.balances", Columns: []plugin.Column{
						{Header: "BALANCE", JSONPath: "$.balance"},
						{Header: "ASSET", JSONPath: "$.asset"},
						{Header: "AMOUNT", JSONPath: "$.amount", Format: plugin.FormatNumber},
					}},
				}},
				Run: showWallet,
			},
		},
	}
}

func listWallets(ctx context.Context, call *plugin.Call) (any, error) {
	query := url.Values{"pageSize": {strconv.Itoa(call.Flags.Int("page-size"))}}
	if name := call.Flags.String("name"); name != "" {
		query.Set("name", name)
	}
	for _, pair := range call.Flags.StringList("metadata") {
		if key, _, ok := strings.Cut(pair, "="); !ok || key == "" {
			return nil, plugin.Errorf(plugin.KindUsage, "flag --metadata expects key=value, got %q", pair)
		}
		query.Add("metadata", pair)
	}
	var page struct {
		Cursor struct {
			HasMore bool     `json:"hasMore"`
			Data    []wallet `json:"data"`
		} `json:"cursor"`
	}
	if err := getJSON(ctx, call, "/wallets", query, &page); err != nil {
		return nil, err
	}
	call.Log.Debugf("%d wallets", len(page.Cursor.Data))
	if page.Cursor.Data == nil {
		page.Cursor.Data = []wallet{}
	}
	return map[string]any{"hasMore": page.Cursor.HasMore, "data": page.Cursor.Data}, nil
}

func showWallet(ctx context.Context, call *plugin.Call) (any, error) {
	var answer struct {
		Data wallet `json:"data"`
	}
	if err := getJSON(ctx, call, "/wallets/"+url.PathEscape(call.Args[0]), nil, &answer); err != nil {
		return nil, err
	}
	w := answer.Data
	return map[string]any{"id": w.ID, "name": w.Name, "createdAt": w.CreatedAt, "metadata": w.Metadata, "balances": balanceRows(w)}, nil
}

// balanceRows flattens a wallet's balances, ordered by balance then asset (maps have no order).
func balanceRows(w wallet) []balanceRow {
	rows := []balanceRow{}
	for name, balance := range w.Balances {
		for asset, amount := range balance.Assets {
			rows = append(rows, balanceRow{Balance: name, Asset: asset, Amount: amount})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Balance != rows[j].Balance {
			return rows[i].Balance < rows[j].Balance
		}
		return rows[i].Asset < rows[j].Asset
	})
	return rows
}
