package plugin

import (
	"context"
	"strings"
	"testing"
)

func run(context.Context, *Call) (any, error) { return nil, nil }

func sample() *Plugin {
	return &Plugin{
		Name: "ledger", Description: "Ledger", Issues: "https://example.com/issues", CompatibleWith: ">=2.0.0",
		Flags: []Flag{StringFlag{Name: "ledger", Shorthand: "l", Description: "Ledger name", Default: "default"}},
		Commands: []*Command{{
			Use: "transactions", Aliases: []string{"tx"}, Short: "Transactions",
			Flags: []Flag{IntFlag{Name: "page-size", Description: "Page size", Default: IntDefault(15)}},
			Commands: []*Command{
				{Use: "list", Short: "List", Flags: []Flag{StringListFlag{Name: "tag", Description: "Tags", Enum: []string{"a", "b"}}},
					Display: &Display{RowsPath: "$.data", Columns: []Column{{Header: "ID", JSONPath: "$.id", Format: FormatNumber}}}, Run: run},
				{Use: "get", Short: "Get", Args: ExactArgs(1, "ID"), Display: &Display{Sections: []Section{{Title: "T", Fields: []Field{{Label: "ID", JSONPath: `$["id"]`}}}}}, Run: run},
			},
		}},
	}
}

func TestManifestOfAValidPlugin(t *testing.T) {
	m, err := sample().Manifest(2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Service != "ledger" || m.Version != "dev" || m.ProtocolVersion != 2 {
		t.Fatalf("manifest %+v", m)
	}
	if !m.Flags[0].Persistent || !m.Commands[0].Flags[0].Persistent || m.Commands[0].Commands[0].Flags[0].Persistent {
		t.Fatal("flags of the plugin and of groups are persistent, a leaf's are not")
	}
	if list := m.Commands[0].Commands[0].Flags[0]; list.Default == nil {
		t.Fatal("a string list defaults to []")
	}
}

func TestManifestRules(t *testing.T) {
	cases := map[string]struct {
		change func(*Plugin)
		want   string
	}{
		"reserved flag":      {func(p *Plugin) { p.Flags = append(p.Flags, BoolFlag{Name: "debug", Description: "d"}) }, "reserved by fctl"},
		"reserved shorthand": {func(p *Plugin) { p.Flags = append(p.Flags, BoolFlag{Name: "x", Shorthand: "h", Description: "d"}) }, "shorthand -h is reserved"},
		"duplicate alias":    {func(p *Plugin) { p.Commands[0].Commands[1].Aliases = []string{"list"} }, "used twice among sibling commands"},
		"sibling clash":      {func(p *Plugin) { p.Commands[0].Commands[1].Use = "list" }, "used twice among sibling commands"},
		"shadowed": {func(p *Plugin) {
			p.Commands[0].Commands[1].Flags = []Flag{StringFlag{Name: "page-size", Description: "x"}}
		}, "declared twice along the command path"},
		"shadowed shorthand": {func(p *Plugin) {
			p.Commands[0].Commands[1].Flags = []Flag{StringFlag{Name: "x", Shorthand: "l", Description: "x"}}
		}, "shorthand -l is declared twice"},
		"default not enum": {func(p *Plugin) {
			p.Flags = append(p.Flags, StringFlag{Name: "c", Description: "c", Default: "z", Enum: []string{"a"}})
		}, "must be one of a"},
		"required default": {func(p *Plugin) {
			p.Flags = append(p.Flags, IntFlag{Name: "c", Description: "c", Default: IntDefault(1), Required: true})
		}, "required and has a default"},
		"group display":      {func(p *Plugin) { p.Commands[0].Display = &Display{Columns: []Column{{Header: "A", JSONPath: "$"}}} }, "a group cannot have display"},
		"args max below min": {func(p *Plugin) { p.Commands[0].Commands[1].Args = RangeArgs(2, 1) }, "args.max is below args.min"},
		"bad json path":      {func(p *Plugin) { p.Commands[0].Commands[0].Display.Columns[0].JSONPath = "$..id" }, "JSONPath subset"},
		"both displays":      {func(p *Plugin) { p.Commands[0].Commands[0].Display.Sections = []Section{{Title: "x"}} }, "either a table"},
		"bad name":           {func(p *Plugin) { p.Name = "Ledger" }, "name \"Ledger\""},
		"no commands":        {func(p *Plugin) { p.Commands = nil }, "at least one command"},
		"issues not a url":   {func(p *Plugin) { p.Issues = "mailto:x" }, "not an http(s) URL"},
		"leaf without run":   {func(p *Plugin) { p.Commands[0].Commands[0].Run = nil }, "neither subcommands nor a Run"},
		"group with run":     {func(p *Plugin) { p.Commands[0].Run = run }, "a group never runs"},
	}
	for name, c := range cases {
		p := sample()
		c.change(p)
		_, err := p.Manifest(1)
		if err == nil || (c.want != "" && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: Manifest() = %v, want an error containing %q", name, err, c.want)
		}
	}
}

func TestInjectedVersion(t *testing.T) {
	saved := version
	defer func() { version = saved }()
	version = "3.2.0-rc.1+abc"
	if m, err := sample().Manifest(1); err != nil || m.Version != "3.2.0-rc.1+abc" || Version() != "3.2.0-rc.1+abc" {
		t.Fatalf("manifest %v, %v", m, err)
	}
	version = "v3.2.0"
	if _, err := sample().Manifest(1); err == nil || !strings.Contains(err.Error(), "leading v") {
		t.Fatalf("a version with a leading v is refused, got %v", err)
	}
}

func TestProtocolVersionsOfAPlugin(t *testing.T) {
	cases := []struct {
		given []int
		want  []int
		err   bool
	}{
		{nil, []int{1, 2}, false},
		{[]int{2, 1, 2}, []int{1, 2}, false},
		{[]int{1}, []int{1}, false},
		{[]int{}, nil, true},
		{[]int{3}, nil, true},
	}
	for _, c := range cases {
		p := sample()
		p.ProtocolVersions = c.given
		got, err := p.spoken()
		if (err != nil) != c.err || (err == nil && !equalInts(got, c.want)) {
			t.Errorf("spoken(%v) = %v, %v", c.given, got, err)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
