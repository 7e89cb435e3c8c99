package plugin

import (
	"errors"
	"testing"
)

func specsOf(persistent bool, flags ...Flag) []FlagSpec { return flagSpecs(flags, persistent) }

func TestResolveFlagsFillsDefaultsAndKeepsGivenValues(t *testing.T) {
	specs := specsOf(false,
		StringFlag{Name: "ledger", Description: "l", Default: "main"},
		IntFlag{Name: "page-size", Description: "p", Default: IntDefault(15)},
		IntFlag{Name: "offset", Description: "o"},
		BoolFlag{Name: "all", Description: "a"},
		StringListFlag{Name: "tag", Description: "t"},
	)
	flags, err := resolveFlags(specs, map[string]any{"page-size": int64(3), "tag": []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if flags.String("ledger") != "main" || flags.Int("page-size") != 3 || flags.Bool("all") || len(flags.StringList("tag")) != 2 {
		t.Fatalf("unexpected values %v", flags.values)
	}
	if flags.Has("offset") || flags.Int("offset") != 0 {
		t.Fatal("an int flag without value or default has no value")
	}
	if got := flags.StringList("tag"); got[0] != "a" || got[1] != "b" {
		t.Fatalf("tag = %v", got)
	}
}

func TestResolveFlagsUsageErrors(t *testing.T) {
	specs := specsOf(false,
		StringFlag{Name: "ledger", Description: "l", Required: true},
		StringFlag{Name: "color", Description: "c", Enum: []string{"red", "blue"}},
		StringListFlag{Name: "tag", Description: "t", Enum: []string{"a"}},
		IntFlag{Name: "n", Description: "n"},
	)
	cases := []struct {
		given map[string]any
		want  string
	}{
		{map[string]any{"ledger": "x", "nope": "1"}, "unknown flag --nope"},
		{map[string]any{}, "required flag --ledger is missing"},
		{map[string]any{"ledger": true}, `flag --ledger expects a string, got true`},
		{map[string]any{"ledger": "x", "color": "green"}, `flag --color must be one of red, blue; got "green"`},
		{map[string]any{"ledger": "x", "tag": []string{"a", "b"}}, `flag --tag must be one of a; got "b"`},
		{map[string]any{"ledger": "x", "n": "3"}, `flag --n expects an integer, got "3"`},
		{map[string]any{"ledger": "x", "n": int64(1 << 53)}, `flag --n expects an integer, got 9007199254740992`},
	}
	for _, c := range cases {
		_, err := resolveFlags(specs, c.given)
		var usage *usageError
		if !errors.As(err, &usage) || err.Error() != c.want {
			t.Errorf("resolveFlags(%v) = %v, want usage error %q", c.given, err, c.want)
		}
	}
}

func TestCheckArgs(t *testing.T) {
	cases := []struct {
		args []string
		spec *ArgsSpec
		want string
	}{
		{nil, nil, ""},
		{[]string{"a"}, nil, "takes no arguments, got 1"},
		{nil, ExactArgs(1, "ID"), "expects at least 1 argument, got 0"},
		{[]string{"a", "b"}, ExactArgs(1), "expects at most 1 argument, got 2"},
		{[]string{"a", "b", "c"}, MinArgs(2), ""},
		{[]string{"a", "b", "c"}, RangeArgs(0, 2), "expects at most 2 arguments, got 3"},
	}
	for _, c := range cases {
		err := checkArgs(c.args, c.spec)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("checkArgs(%v) = %q, want %q", c.args, got, c.want)
		}
	}
}

func TestFlagsAccessorPanicsOnUndeclaredOrWrongType(t *testing.T) {
	flags, _ := resolveFlags(specsOf(false, BoolFlag{Name: "all", Description: "a"}), nil)
	for name, access := range map[string]func(){
		"undeclared": func() { flags.String("ledger") },
		"wrong type": func() { flags.String("all") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			access()
		}()
	}
}
