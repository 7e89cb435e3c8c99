package plugin

// The protocol's constants (docs/protocol.md sections 1 and 3.10), under the names
// @fctl-kit/protocol exports.
const (
	HandshakeEnv   = "FCTL_PLUGIN_HANDSHAKE"
	HandshakeValue = "fctl-plugin-protocol"
	// NotStartedByFctlExitCode is the exit status of a plugin started by hand.
	NotStartedByFctlExitCode = 64

	MiB                      = 1 << 20
	MaxHelloBytes            = 1 * MiB
	MaxResultBytes           = 32 * MiB
	MaxCoreLineBytes         = 64 * MiB
	MaxJSONDepth             = 64
	MaxHTTPRequestBodyBytes  = 4 * MiB
	MaxHTTPResponseBodyBytes = 32 * MiB
	MaxHTTPHeaderBytes       = 64 << 10
	MaxHTTPHeaderCount       = 100
	MaxHTTPMethodLength      = 32
	MaxHTTPURLLength         = 8 << 10
	MaxHTTPIDLength          = 64
	// DefaultHTTPMaxInFlight is the reference core's session.capabilities.http.maxInFlight.
	DefaultHTTPMaxInFlight = 8

	maxSafeInteger = 1<<53 - 1
)

// jsonDepth is the nesting depth of objects and arrays in a JSON text, the outermost value being
// level 1. It scans bytes (no recursion), skipping strings; the text is assumed well-formed.
func jsonDepth(text []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, b := range text {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			depth++
			deepest = max(deepest, depth)
		case b == '}' || b == ']':
			depth--
		}
	}
	return deepest
}
