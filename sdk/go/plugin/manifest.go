package plugin

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
)

// Manifest is the wire form of a plugin's manifest (docs/protocol.md section 4,
// manifest.schema.json), as sent in hello.
type Manifest struct {
	Name            string        `json:"name"`                     // the plugin name: fctl NAME
	Service         string        `json:"service"`                  // the service whose version it follows
	Version         string        `json:"version"`                  // semver or dev: the injected version
	ProtocolVersion int           `json:"protocolVersion"`          // the version picked in the handshake
	Description     string        `json:"description"`              // one line
	Repository      string        `json:"repository,omitempty"`     // an http(s) URL
	Issues          string        `json:"issues,omitempty"`         // where users report plugin bugs
	CompatibleWith  string        `json:"compatibleWith,omitempty"` // an npm semver range of service versions
	Flags           []FlagSpec    `json:"flags,omitempty"`          // persistent flags of every command
	Commands        []CommandSpec `json:"commands"`                 // the command tree
}

// CommandSpec is a command of the manifest.
type CommandSpec struct {
	Use        string        `json:"use"`                  // the name as typed
	Aliases    []string      `json:"aliases,omitempty"`    // other names
	Short      string        `json:"short"`                // one-line help
	Long       string        `json:"long,omitempty"`       // full help
	Examples   []string      `json:"examples,omitempty"`   // example command lines
	Flags      []FlagSpec    `json:"flags,omitempty"`      // flags declared here
	Args       *ArgsSpec     `json:"args,omitempty"`       // positional arguments (nil: none)
	Confirm    string        `json:"confirm,omitempty"`    // a question fctl asks first
	Hidden     bool          `json:"hidden,omitempty"`     // left out of help
	Deprecated string        `json:"deprecated,omitempty"` // warned when used
	Display    *Display      `json:"display,omitempty"`    // plain output rendering
	Commands   []CommandSpec `json:"commands,omitempty"`   // subcommands (a group)
}

// FlagSpec is a flag of the manifest. Default is a string, bool, int64 or []string.
type FlagSpec struct {
	Name        string   `json:"name"`                 // --name and the key in execute.flags
	Shorthand   string   `json:"shorthand,omitempty"`  // one letter
	Type        FlagType `json:"type"`                 // string, bool, int or stringList
	Description string   `json:"description"`          // help text
	Required    bool     `json:"required,omitempty"`   // fctl refuses to execute without it
	Default     any      `json:"default,omitempty"`    // sent when the user gives nothing
	Enum        []string `json:"enum,omitempty"`       // allowed values (string flags)
	Persistent  bool     `json:"persistent,omitempty"` // accepted by every descendant
	Hidden      bool     `json:"hidden,omitempty"`     // left out of help
	Deprecated  string   `json:"deprecated,omitempty"` // warned when used
}

var (
	namePattern     = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	versionPattern  = regexp.MustCompile(`^(dev|(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)$`)
	urlPattern      = regexp.MustCompile(`^https?://[^\s]+$`)
	shortPattern    = regexp.MustCompile(`^[a-zA-Z]$`)
	jsonPathPattern = regexp.MustCompile(`^\$(\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["[^"\\]*"\])*$`)
)

// ReservedFlagNames are owned by fctl on every command; ReservedShorthands likewise.
var (
	ReservedFlagNames  = []string{"help", "output", "debug", "profile", "no-color", "timeout", "yes", "non-interactive", "plugin-binary", "version"}
	ReservedShorthands = []string{"h", "o", "y"}
)

// Validate checks the manifest against the constraints of manifest.schema.json that its Go types
// do not already guarantee, and the rules the schema cannot express (docs/protocol.md section
// 4.2). compatibleWith is only checked to be non-empty: parsing npm ranges is left to fctl.
func (m *Manifest) Validate() error {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if !namePattern.MatchString(m.Name) {
		bad("name %q must match %s", m.Name, namePattern)
	}
	if !namePattern.MatchString(m.Service) {
		bad("service %q must match %s", m.Service, namePattern)
	}
	if !versionPattern.MatchString(m.Version) {
		bad("version %q is neither semver (without a leading v) nor dev", m.Version)
	}
	if m.ProtocolVersion < 1 {
		bad("protocolVersion must be at least 1")
	}
	if n := utf16Len(m.Description); n < 1 || n > 1000 {
		bad("description must be 1 to 1000 characters")
	}
	if m.Repository != "" && !urlPattern.MatchString(m.Repository) {
		bad("repository %q is not an http(s) URL", m.Repository)
	}
	if m.Issues != "" && !urlPattern.MatchString(m.Issues) {
		bad("issues %q is not an http(s) URL", m.Issues)
	}
	if len(m.Commands) == 0 {
		bad("a manifest has at least one command")
	}
	root := pathFlags{}
	for _, f := range m.Flags {
		root = checkFlag(f, "the plugin", root, bad)
	}
	checkCommands(m.Commands, "", root, bad)
	return errors.Join(problems...)
}

// pathFlags are the flag names and shorthands declared along a command path.
type pathFlags struct{ names, shorthands []string }

func checkFlag(f FlagSpec, where string, seen pathFlags, bad func(string, ...any)) pathFlags {
	if !namePattern.MatchString(f.Name) {
		bad("%s: flag name %q must match %s", where, f.Name, namePattern)
	}
	if slices.Contains(ReservedFlagNames, f.Name) {
		bad("%s: flag --%s is reserved by fctl", where, f.Name)
	}
	if slices.Contains(seen.names, f.Name) {
		bad("%s: flag --%s is declared twice along the command path", where, f.Name)
	}
	seen.names = append(slices.Clone(seen.names), f.Name)
	if f.Shorthand != "" {
		if !shortPattern.MatchString(f.Shorthand) {
			bad("%s: flag --%s: shorthand %q is not one letter", where, f.Name, f.Shorthand)
		}
		if slices.Contains(ReservedShorthands, f.Shorthand) {
			bad("%s: flag --%s: shorthand -%s is reserved by fctl", where, f.Name, f.Shorthand)
		}
		if slices.Contains(seen.shorthands, f.Shorthand) {
			bad("%s: shorthand -%s is declared twice along the command path", where, f.Shorthand)
		}
		seen.shorthands = append(slices.Clone(seen.shorthands), f.Shorthand)
	}
	switch f.Type {
	case TypeString, TypeBool, TypeInt, TypeStringList:
	default:
		bad("%s: flag --%s has unknown type %q", where, f.Name, f.Type)
		return seen
	}
	if f.Enum != nil {
		if len(f.Enum) == 0 {
			bad("%s: flag --%s: enum lists at least one value", where, f.Name)
		}
		if f.Type != TypeString && f.Type != TypeStringList {
			bad("%s: flag --%s: enum is only for string flags", where, f.Name)
		}
	}
	if f.Required && f.Default != nil {
		bad("%s: flag --%s is required and has a default", where, f.Name)
	}
	if f.Default != nil {
		if _, err := checkFlagValue(FlagSpec{Name: f.Name, Type: f.Type, Enum: f.Enum}, normalizeDefault(f.Default)); err != nil {
			bad("%s: default: %v", where, err)
		}
	}
	return seen
}

func checkCommands(commands []CommandSpec, prefix string, inherited pathFlags, bad func(string, ...any)) {
	var names []string
	for _, c := range commands {
		path := prefix + c.Use
		where := fmt.Sprintf("command %q", path)
		if !namePattern.MatchString(c.Use) {
			bad("%s: use must match %s", where, namePattern)
		}
		for _, name := range append([]string{c.Use}, c.Aliases...) {
			if name != c.Use && !namePattern.MatchString(name) {
				bad("%s: alias %q must match %s", where, name, namePattern)
			}
			if slices.Contains(names, name) {
				bad("%s: the name %q is used twice among sibling commands", where, name)
			}
			names = append(names, name)
		}
		if n := utf16Len(c.Short); n < 1 || n > 200 {
			bad("%s: short must be 1 to 200 characters", where)
		}
		if utf16Len(c.Long) > 20000 {
			bad("%s: long is over 20000 characters", where)
		}
		group := len(c.Commands) > 0
		if group && (c.Display != nil || c.Args != nil || c.Confirm != "") {
			bad("%s: a group cannot have display, args or confirm", where)
		}
		if c.Args != nil {
			if c.Args.Min < 0 || (c.Args.Max != nil && *c.Args.Max < 0) {
				bad("%s: args bounds are at least 0", where)
			}
			if c.Args.Max != nil && *c.Args.Max < c.Args.Min {
				bad("%s: args.max is below args.min", where)
			}
			for _, name := range c.Args.Names {
				if name == "" {
					bad("%s: an argument name is empty", where)
				}
			}
		}
		if c.Display != nil {
			checkDisplay(*c.Display, where, bad)
		}
		// Every flag of a command is checked against the path; only persistent ones go down.
		here := inherited
		down := inherited
		for _, f := range c.Flags {
			here = checkFlag(f, where, here, bad)
			if f.Persistent || group {
				down = pathFlags{names: append(slices.Clone(down.names), f.Name), shorthands: appendNonEmpty(down.shorthands, f.Shorthand)}
			}
		}
		checkCommands(c.Commands, path+" ", down, bad)
	}
}

func appendNonEmpty(list []string, s string) []string {
	out := slices.Clone(list)
	if s != "" {
		out = append(out, s)
	}
	return out
}

func checkDisplay(d Display, where string, bad func(string, ...any)) {
	table := d.Columns != nil || d.RowsPath != ""
	if table == (d.Sections != nil) {
		bad("%s: display is either a table (columns) or sections, not both or neither", where)
	}
	checkPath := func(path string) {
		if !jsonPathPattern.MatchString(path) {
			bad("%s: display path %q is outside the protocol's JSONPath subset", where, path)
		}
	}
	checkColumns := func(columns []Column) {
		if len(columns) == 0 {
			bad("%s: a table has at least one column", where)
		}
		for _, c := range columns {
			if c.Header == "" {
				bad("%s: a column header is empty", where)
			}
			checkPath(c.JSONPath)
			checkFormat(c.Format, where, bad)
		}
	}
	if table {
		if d.RowsPath != "" {
			checkPath(d.RowsPath)
		}
		checkColumns(d.Columns)
		return
	}
	if len(d.Sections) == 0 {
		bad("%s: display has at least one section", where)
	}
	for _, s := range d.Sections {
		if s.Title == "" {
			bad("%s: a section title is empty", where)
		}
		for _, f := range s.Fields {
			if f.Label == "" {
				bad("%s: a field label is empty", where)
			}
			checkPath(f.JSONPath)
			checkFormat(f.Format, where, bad)
		}
		if s.RowsPath != "" {
			checkPath(s.RowsPath)
		}
		if s.Columns != nil {
			checkColumns(s.Columns)
		}
	}
}

func checkFormat(f Format, where string, bad func(string, ...any)) {
	switch f {
	case "", FormatString, FormatNumber, FormatTimestamp, FormatBoolean:
	default:
		bad("%s: unknown display format %q", where, f)
	}
}

// utf16Len counts characters as JSON Schema's minLength/maxLength do in the reference validator.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
