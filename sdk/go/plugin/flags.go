package plugin

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// FlagType is a flag's type on the wire: what fctl parses and what execute carries.
type FlagType string

// The flag types of the protocol (docs/protocol.md section 4.2).
const (
	TypeString     FlagType = "string"
	TypeBool       FlagType = "bool"
	TypeInt        FlagType = "int"
	TypeStringList FlagType = "stringList"
)

// Flag is a flag definition: StringFlag, BoolFlag, IntFlag or StringListFlag. Flags of the
// Plugin and of a group (a Command with subcommands) are persistent: every command below accepts
// them; flags of a leaf command are its own.
type Flag interface {
	spec() FlagSpec
}

// StringFlag is a flag taking one string. Default "" means no default.
type StringFlag struct {
	Name        string   // --name on the command line and the key in execute.flags
	Shorthand   string   // one letter (-x), optional
	Description string   // help text
	Default     string   // sent when the user gives nothing; "" means no default
	Required    bool     // fctl refuses to execute without it; not with Default
	Enum        []string // the allowed values, when set
	Hidden      bool     // left out of help, still accepted
	Deprecated  string   // fctl warns with this text when the flag is used
}

// BoolFlag is a switch: false unless given or defaulted to true (then fctl also offers --no-NAME).
type BoolFlag struct {
	Name        string // --name on the command line and the key in execute.flags
	Shorthand   string // one letter (-x), optional
	Description string // help text
	Default     bool   // true also gives --no-NAME
	Hidden      bool   // left out of help, still accepted
	Deprecated  string // fctl warns with this text when the flag is used
}

// IntFlag is a flag taking an integer (|n| < 2^53). Default nil means no default; see IntDefault.
type IntFlag struct {
	Name        string // --name on the command line and the key in execute.flags
	Shorthand   string // one letter (-x), optional
	Description string // help text
	Default     *int   // sent when the user gives nothing; nil means no default
	Required    bool   // fctl refuses to execute without it; not with Default
	Hidden      bool   // left out of help, still accepted
	Deprecated  string // fctl warns with this text when the flag is used
}

// StringListFlag is repeatable and comma-separated (--tag a,b --tag c); [] when absent unless required.
type StringListFlag struct {
	Name        string   // --name on the command line and the key in execute.flags
	Shorthand   string   // one letter (-x), optional
	Description string   // help text
	Default     []string // a given list replaces it; nil is []
	Required    bool     // fctl refuses to execute without it (then there is no default)
	Enum        []string // the allowed values of each item, when set
	Hidden      bool     // left out of help, still accepted
	Deprecated  string   // fctl warns with this text when the flag is used
}

// IntDefault returns a pointer to n, for IntFlag.Default.
func IntDefault(n int) *int { return &n }

func (f StringFlag) spec() FlagSpec {
	s := FlagSpec{Name: f.Name, Shorthand: f.Shorthand, Type: TypeString, Description: f.Description, Required: f.Required, Enum: f.Enum, Hidden: f.Hidden, Deprecated: f.Deprecated}
	if f.Default != "" {
		s.Default = f.Default
	}
	return s
}

func (f BoolFlag) spec() FlagSpec {
	return FlagSpec{Name: f.Name, Shorthand: f.Shorthand, Type: TypeBool, Description: f.Description, Default: f.Default, Hidden: f.Hidden, Deprecated: f.Deprecated}
}

func (f IntFlag) spec() FlagSpec {
	s := FlagSpec{Name: f.Name, Shorthand: f.Shorthand, Type: TypeInt, Description: f.Description, Required: f.Required, Hidden: f.Hidden, Deprecated: f.Deprecated}
	if f.Default != nil {
		s.Default = int64(*f.Default)
	}
	return s
}

func (f StringListFlag) spec() FlagSpec {
	s := FlagSpec{Name: f.Name, Shorthand: f.Shorthand, Type: TypeStringList, Description: f.Description, Required: f.Required, Enum: f.Enum, Hidden: f.Hidden, Deprecated: f.Deprecated}
	if !f.Required {
		s.Default = append([]string{}, f.Default...)
	}
	return s
}

// Flags holds the values of one execute's flags: given by the user, else defaulted. Asking for a
// flag the command does not accept, or with the wrong type, is a programming error: it panics, and
// the execute answers kind internal.
type Flags struct {
	values map[string]any
	types  map[string]FlagType
}

func (f Flags) get(name string, want FlagType) (any, bool) {
	typ, ok := f.types[name]
	if !ok {
		panic(fmt.Sprintf("plugin: the command has no flag --%s", name))
	}
	if typ != want {
		panic(fmt.Sprintf("plugin: flag --%s is a %s flag, not %s", name, typ, want))
	}
	v, ok := f.values[name]
	return v, ok
}

// Has reports whether the flag has a value (given, or its default).
func (f Flags) Has(name string) bool {
	if _, ok := f.types[name]; !ok {
		panic(fmt.Sprintf("plugin: the command has no flag --%s", name))
	}
	_, ok := f.values[name]
	return ok
}

// String is the value of a string flag, "" without one.
func (f Flags) String(name string) string {
	v, _ := f.get(name, TypeString)
	s, _ := v.(string)
	return s
}

// Bool is the value of a bool flag.
func (f Flags) Bool(name string) bool {
	v, _ := f.get(name, TypeBool)
	b, _ := v.(bool)
	return b
}

// Int is the value of an int flag, 0 without one (see Has).
func (f Flags) Int(name string) int {
	v, _ := f.get(name, TypeInt)
	n, _ := v.(int64)
	return int(n)
}

// StringList is the value of a string-list flag (a copy).
func (f Flags) StringList(name string) []string {
	v, _ := f.get(name, TypeStringList)
	list, _ := v.([]string)
	return slices.Clone(list)
}

// usageError is a bad flag or argument count: the execute answers kind usage.
type usageError struct{ message string }

// Error is the message the usage answer carries.
func (e *usageError) Error() string { return e.message }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// resolveFlags checks the flags execute carried against those the command accepts and fills in
// defaults, with the messages of the TypeScript SDK (unknown, missing, wrong type, outside enum).
func resolveFlags(accepted []FlagSpec, given map[string]any) (Flags, error) {
	out := Flags{values: map[string]any{}, types: map[string]FlagType{}}
	byName := map[string]FlagSpec{}
	for _, spec := range accepted {
		byName[spec.Name] = spec
		out.types[spec.Name] = spec.Type
	}
	names := make([]string, 0, len(given))
	for name := range given {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := byName[name]; !ok {
			return Flags{}, usagef("unknown flag --%s", name)
		}
	}
	for _, spec := range accepted {
		raw, ok := given[spec.Name]
		switch {
		case ok:
			value, err := checkFlagValue(spec, raw)
			if err != nil {
				return Flags{}, err
			}
			out.values[spec.Name] = value
		case spec.Required:
			return Flags{}, usagef("required flag --%s is missing", spec.Name)
		case spec.Default != nil:
			out.values[spec.Name] = normalizeDefault(spec.Default)
		}
	}
	return out, nil
}

// normalizeDefault brings a default to the types execute decodes to (int64, []string), also
// from a manifest decoded by encoding/json (float64, []any).
func normalizeDefault(v any) any {
	switch d := v.(type) {
	case int:
		return int64(d)
	case float64:
		if d == float64(int64(d)) {
			return int64(d)
		}
	case []string:
		return slices.Clone(d)
	case []any:
		list := make([]string, 0, len(d))
		for _, item := range d {
			s, ok := item.(string)
			if !ok {
				return v
			}
			list = append(list, s)
		}
		return list
	}
	return v
}

// checkFlagValue takes a value as decoded from execute (string, bool, int64, []string).
func checkFlagValue(spec FlagSpec, raw any) (any, error) {
	wrong := func(expected string) error {
		return usagef("flag --%s expects %s, got %s", spec.Name, expected, jsonText(raw))
	}
	switch spec.Type {
	case TypeString:
		if _, ok := raw.(string); !ok {
			return nil, wrong("a string")
		}
	case TypeBool:
		if _, ok := raw.(bool); !ok {
			return nil, wrong("true or false")
		}
	case TypeInt:
		n, ok := raw.(int64)
		if !ok || n > maxSafeInteger || n < -maxSafeInteger {
			return nil, wrong("an integer")
		}
	case TypeStringList:
		if _, ok := raw.([]string); !ok {
			return nil, wrong("a list of strings")
		}
	}
	if len(spec.Enum) > 0 {
		items, isList := raw.([]string)
		if !isList {
			items = []string{raw.(string)}
		}
		for _, item := range items {
			if !slices.Contains(spec.Enum, item) {
				return nil, usagef("flag --%s must be one of %s; got %s", spec.Name, strings.Join(spec.Enum, ", "), jsonText(item))
			}
		}
	}
	return raw, nil
}

// checkArgs checks the positional arguments against the command's Args (nil: none allowed).
func checkArgs(args []string, spec *ArgsSpec) error {
	minimum, maximum := 0, 0
	bounded := true
	if spec != nil {
		minimum = spec.Min
		bounded = spec.Max != nil
		if bounded {
			maximum = *spec.Max
		}
	}
	plural := func(n int) string {
		if n == 1 {
			return ""
		}
		return "s"
	}
	if len(args) < minimum {
		return usagef("expects at least %d argument%s, got %d", minimum, plural(minimum), len(args))
	}
	if bounded && len(args) > maximum {
		if maximum == 0 {
			return usagef("takes no arguments, got %d", len(args))
		}
		return usagef("expects at most %d argument%s, got %d", maximum, plural(maximum), len(args))
	}
	return nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
