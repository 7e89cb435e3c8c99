package plugin

import (
	"context"
	"fmt"
	"net/http"
	"slices"
)

// SupportedProtocolVersions are the protocol versions this SDK speaks.
var SupportedProtocolVersions = []int{1, 2}

// Plugin defines a plugin: its identity, persistent flags and command tree. Run it with Serve;
// test its commands with Invoke.
type Plugin struct {
	// Name is the top-level command (fctl NAME ...) and the service's name in the stack.
	Name string
	// Service is the service whose version the plugin follows; empty means Name.
	Service     string
	Description string // one line, 1 to 1000 characters
	Repository  string // an http(s) URL, optional
	// Issues is where users report plugin bugs; fctl shows it in crash reports.
	Issues string
	// CompatibleWith is the npm semver range of service versions this build supports.
	CompatibleWith string
	// ProtocolVersions are the versions the plugin speaks; nil means every version the SDK
	// speaks (SupportedProtocolVersions). []int{1} keeps a plugin on v1.
	ProtocolVersions []int
	// Flags are accepted by every command of the plugin.
	Flags    []Flag
	Commands []*Command // the command tree below fctl NAME; at least one
}

// Command is a group (it has Commands, never runs; its Flags are persistent) or a leaf command
// (it has Run; its Flags are its own).
type Command struct {
	Use      string   // the name as typed; execute carries it, never an alias
	Aliases  []string // other names
	Short    string   // one-line help, 1 to 200 characters
	Long     string   // full help text
	Examples []string // example command lines shown in help
	Flags    []Flag   // persistent in a group, the leaf's own otherwise
	// Args are the positional arguments a leaf accepts; nil means none.
	Args *ArgsSpec
	// Confirm is a yes/no question fctl asks before running (--yes answers it).
	Confirm    string
	Hidden     bool        // left out of help, still runnable
	Deprecated string      // fctl warns with this text when the command is used
	Display    *Display    // how plain output renders the result (leaves only)
	Commands   []*Command  // subcommands: this command is then a group
	Run        HandlerFunc // the handler of a leaf
}

// ArgsSpec constrains positional arguments: at least Min, at most *Max (nil: unbounded); Names
// are shown in usage. Build one with ExactArgs, MinArgs or RangeArgs.
type ArgsSpec struct {
	Min   int      `json:"min"`             // at least this many
	Max   *int     `json:"max,omitempty"`   // at most this many; nil: unbounded
	Names []string `json:"names,omitempty"` // shown in usage (<ID>)
}

// ExactArgs accepts exactly n arguments.
func ExactArgs(n int, names ...string) *ArgsSpec { return &ArgsSpec{Min: n, Max: &n, Names: names} }

// MinArgs accepts n or more arguments.
func MinArgs(n int, names ...string) *ArgsSpec { return &ArgsSpec{Min: n, Names: names} }

// RangeArgs accepts between minimum and maximum arguments.
func RangeArgs(minimum, maximum int, names ...string) *ArgsSpec {
	return &ArgsSpec{Min: minimum, Max: &maximum, Names: names}
}

// HandlerFunc runs a command. ctx is cancelled when fctl cancels the execute (Ctrl-C, its
// deadline) or the execute ends. The data returned is sent as the result (JSON-encoded; nil is
// null); a *CommandError returned becomes a typed error answer, any other error kind internal.
type HandlerFunc func(ctx context.Context, call *Call) (any, error)

// Call is what a handler gets for one execute.
type Call struct {
	Flags Flags    // the flags' values, defaults applied
	Args  []string // the positional arguments, already counted against Args
	// Auth says where and as whom. Under protocol v2 it holds no token (fctl adds credentials to
	// each request of HTTP) and InsecureSkipTLSVerify is false (fctl applies it).
	Auth Auth
	// HTTP makes requests to the stack: brokered by fctl under v2, direct with the token under v1.
	// URLs are paths from "/" (appended to Auth.ServiceURL) or absolute URLs below it.
	HTTP *http.Client
	// Output is what the user asked for (plain, json, yaml); informational only.
	Output string
	// Debug is true when the user passed --debug.
	Debug bool
	Log   Logger // writes to stderr
	// ProtocolVersion is the version of the conversation (1 or 2).
	ProtocolVersion int
}

// Auth is the execute's auth context.
type Auth struct {
	ServiceURL            string // the stack's base URL; request paths are appended to it
	AccessToken           string // v1 only: the bearer token (the SDK's client sends it itself)
	OrganizationID        string // optional
	StackID               string // optional
	InsecureSkipTLSVerify bool   // v1 only: the profile asks not to verify TLS certificates
}

// Logger writes to stderr, the plugin's log stream (fctl shows it with --debug and in crash reports).
type Logger interface {
	// Debugf writes only when fctl runs with --debug.
	Debugf(format string, args ...any)
	// Printf always writes.
	Printf(format string, args ...any)
}

// spoken is the sorted, deduplicated list of versions the plugin speaks, or an error naming what
// the SDK speaks.
func (p *Plugin) spoken() ([]int, error) {
	if p.ProtocolVersions == nil {
		return slices.Clone(SupportedProtocolVersions), nil
	}
	if len(p.ProtocolVersions) == 0 {
		return nil, fmt.Errorf("plugin %q: ProtocolVersions must list versions this SDK speaks (%v); got none", p.Name, SupportedProtocolVersions)
	}
	out := []int{}
	for _, v := range p.ProtocolVersions {
		if !slices.Contains(SupportedProtocolVersions, v) {
			return nil, fmt.Errorf("plugin %q: ProtocolVersions must list versions this SDK speaks (%v); got %v", p.Name, SupportedProtocolVersions, p.ProtocolVersions)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Manifest builds the manifest sent in hello for protocolVersion and checks it against the
// manifest schema's constraints and rules (docs/protocol.md section 4), plus the SDK's own: every
// leaf has a Run, no group has one.
func (p *Plugin) Manifest(protocolVersion int) (*Manifest, error) {
	service := p.Service
	if service == "" {
		service = p.Name
	}
	m := &Manifest{
		Name: p.Name, Service: service, Version: version, ProtocolVersion: protocolVersion,
		Description: p.Description, Repository: p.Repository, Issues: p.Issues, CompatibleWith: p.CompatibleWith,
		Flags: flagSpecs(p.Flags, true),
	}
	for _, c := range p.Commands {
		m.Commands = append(m.Commands, c.spec())
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := checkHandlers(p.Commands, ""); err != nil {
		return nil, err
	}
	return m, nil
}

func checkHandlers(commands []*Command, prefix string) error {
	for _, c := range commands {
		path := prefix + c.Use
		if len(c.Commands) > 0 && c.Run != nil {
			return fmt.Errorf("command %q has subcommands and a Run: a group never runs", path)
		}
		if len(c.Commands) == 0 && c.Run == nil {
			return fmt.Errorf("command %q has neither subcommands nor a Run", path)
		}
		if err := checkHandlers(c.Commands, path+" "); err != nil {
			return err
		}
	}
	return nil
}

func flagSpecs(flags []Flag, persistent bool) []FlagSpec {
	var out []FlagSpec
	for _, f := range flags {
		s := f.spec()
		s.Persistent = persistent
		out = append(out, s)
	}
	return out
}

func (c *Command) spec() CommandSpec {
	s := CommandSpec{
		Use: c.Use, Aliases: c.Aliases, Short: c.Short, Long: c.Long, Examples: c.Examples,
		Flags: flagSpecs(c.Flags, len(c.Commands) > 0), Args: c.Args, Confirm: c.Confirm,
		Hidden: c.Hidden, Deprecated: c.Deprecated, Display: c.Display,
	}
	for _, child := range c.Commands {
		s.Commands = append(s.Commands, child.spec())
	}
	return s
}

// found is a command resolved from an execute's path.
type found struct {
	command *Command
	// flags are the flags accepted there: the plugin's, persistent ones of ancestors, its own.
	flags []FlagSpec
}

// find resolves a command path (canonical names or aliases) to a leaf command.
func (p *Plugin) find(path []string) (found, bool) {
	flags := flagSpecs(p.Flags, true)
	commands := p.Commands
	var current *Command
	for _, name := range path {
		current = nil
		for _, c := range commands {
			if c.Use == name || slices.Contains(c.Aliases, name) {
				current = c
				break
			}
		}
		if current == nil {
			return found{}, false
		}
		flags = append(flags, flagSpecs(current.Flags, len(current.Commands) > 0)...)
		commands = current.Commands
	}
	if current == nil || current.Run == nil {
		return found{}, false
	}
	return found{command: current, flags: flags}, true
}
