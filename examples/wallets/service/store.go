package service

import (
	"sort"
	"strings"
	"time"
)

// Wallet is a wallet as the list route answers it.
type Wallet struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	CreatedAt time.Time         `json:"createdAt"`
	Metadata  map[string]string `json:"metadata"`
}

// Balance is one named balance of a wallet: an amount per asset (in the asset's minor unit, e.g.
// USD/2 counts cents).
type Balance struct {
	Assets map[string]int64 `json:"assets"`
}

// WalletWithBalances is a wallet as the show route answers it.
type WalletWithBalances struct {
	Wallet
	Balances map[string]Balance `json:"balances"`
}

// Filter selects wallets: by name prefix and by metadata (every pair must match).
type Filter struct {
	NamePrefix string
	Metadata   map[string]string
}

func (f Filter) matches(w Wallet) bool {
	if !strings.HasPrefix(w.Name, f.NamePrefix) {
		return false
	}
	for key, value := range f.Metadata {
		if w.Metadata[key] != value {
			return false
		}
	}
	return true
}

// Store holds the wallets in memory; it is read-only once built.
type Store struct {
	wallets []WalletWithBalances // newest first
}

// NewStore holds the given wallets.
func NewStore(wallets []WalletWithBalances) *Store {
	sorted := append([]WalletWithBalances(nil), wallets...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].CreatedAt.After(sorted[j].CreatedAt) })
	return &Store{wallets: sorted}
}

// List gives at most pageSize wallets matching filter, newest first, and whether more match.
func (s *Store) List(filter Filter, pageSize int) (page []Wallet, hasMore bool) {
	page = []Wallet{}
	for _, w := range s.wallets {
		if !filter.matches(w.Wallet) {
			continue
		}
		if len(page) == pageSize {
			return page, true
		}
		page = append(page, w.Wallet)
	}
	return page, false
}

// Get gives the wallet with that id.
func (s *Store) Get(id string) (WalletWithBalances, bool) {
	for _, w := range s.wallets {
		if w.ID == id {
			return w, true
		}
	}
	return WalletWithBalances{}, false
}

// SampleWallets are the wallets the example service starts with.
func SampleWallets() []WalletWithBalances {
	at := func(text string) time.Time {
		t, err := time.Parse(time.RFC3339, text)
		if err != nil {
			panic(err)
		}
		return t
	}
	return []WalletWithBalances{
		{
			Wallet:   Wallet{ID: "wal_001", Name: "alice", CreatedAt: at("2026-05-14T09:00:00Z"), Metadata: map[string]string{"team": "retail"}},
			Balances: map[string]Balance{"main": {Assets: map[string]int64{"USD/2": 12000, "EUR/2": 500}}},
		},
		{
			Wallet: Wallet{ID: "wal_002", Name: "bob", CreatedAt: at("2026-05-14T09:30:00Z"), Metadata: map[string]string{"team": "retail"}},
			Balances: map[string]Balance{
				"main":    {Assets: map[string]int64{"USD/2": 990}},
				"savings": {Assets: map[string]int64{"USD/2": 50000}},
			},
		},
		{
			Wallet:   Wallet{ID: "wal_003", Name: "treasury", CreatedAt: at("2026-05-15T08:00:00Z"), Metadata: map[string]string{"team": "finance"}},
			Balances: map[string]Balance{"main": {Assets: map[string]int64{"EUR/2": 1000000}}},
		},
	}
}
