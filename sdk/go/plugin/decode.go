package plugin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// coreMessage is a decoded line from fctl; which fields are set depends on Type.
type coreMessage struct {
	Type             string
	ProtocolVersions []int
	// execute
	ID        string
	Command   []string
	Args      []string
	Flags     map[string]any
	Output    string
	Debug     bool
	Auth      Auth
	TimeoutMs int64
	// cancel
	Reason string
	// session
	Limits HTTPLimits
	// http.response
	Status  int
	Headers [][2]string
	Body    []byte
	HasBody bool
	// http.error
	Error *RequestError
}

// protocolError is a line from fctl that breaks the protocol: answered with kind protocol, exit 1.
type protocolError struct {
	code    string
	message string
}

// Error is the violation, as the protocol error message says it.
func (e *protocolError) Error() string { return e.message }

func violation(format string, args ...any) error {
	return &protocolError{message: fmt.Sprintf(format, args...)}
}

var (
	headerNamePattern  = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	headerValuePattern = regexp.MustCompile(`^[^\x00-\x08\x0a-\x1f\x7f]*$`)
	errorCodePattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

// decodeCoreLine decodes one line from fctl as protocol version (0 before hello: only the frozen
// hello exchange, checked as v1 is). The checks are those of the core-message schemas of that
// version (closed objects, types, ranges, patterns) and the limits layer (depth, body sizes,
// header bytes, strict base64): a line failing any is a protocol error.
func decodeCoreLine(version int, line []byte) (*coreMessage, error) {
	if version == 0 {
		// The hello exchange is the same in every version; what comes first is judged by Serve.
		version = 1
	}
	if jsonDepth(line) > MaxJSONDepth {
		return nil, violation("a message from fctl nests objects and arrays more than %d levels deep", MaxJSONDepth)
	}
	decoder := json.NewDecoder(bytes.NewReader(line))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		return nil, violation("a line from fctl is not JSON: %v", err)
	}
	if decoder.More() {
		return nil, violation("a line from fctl holds more than one JSON value")
	}
	object, ok := value.(map[string]any)
	if !ok {
		return nil, violation("a line from fctl is not a JSON object")
	}
	typ, _ := object["type"].(string)
	v := &checker{object: object, where: fmt.Sprintf("%q", typ)}
	message := &coreMessage{Type: typ}
	v2 := version == 2
	switch {
	case typ == "hello":
		v.keys([]string{"type", "protocolVersions", "core"})
		message.ProtocolVersions = v.versions("protocolVersions")
		if core, ok := v.object["core"].(map[string]any); ok {
			sub := &checker{object: core, where: v.where + " core"}
			sub.keys([]string{"name", "version"})
			sub.str("name")
			sub.str("version")
			v.adopt(sub)
		} else {
			v.fail("core must be an object")
		}
	case typ == "execute":
		v.keys([]string{"type", "id", "command", "args", "flags", "output", "debug", "auth", "timeoutMs"})
		message.ID = v.nonEmpty("id", 0)
		message.Command = v.strings("command")
		if v.ok() && len(message.Command) == 0 {
			v.fail("command is never empty")
		}
		message.Args = v.strings("args")
		message.Flags = v.flags("flags")
		message.Output = v.str("output")
		if v.ok() && !slices.Contains([]string{"plain", "json", "yaml"}, message.Output) {
			v.fail("output is plain, json or yaml")
		}
		message.Debug = v.boolean("debug")
		message.Auth = v.auth("auth", v2)
		message.TimeoutMs = v.integer("timeoutMs", 1, math.MaxInt64)
	case typ == "cancel":
		v.keys([]string{"type", "id", "reason"})
		message.ID = v.nonEmpty("id", 0)
		message.Reason = v.str("reason")
	case typ == "session" && v2:
		v.keys([]string{"type", "capabilities"})
		message.Limits = v.session()
	case typ == "http.response" && v2:
		v.keys([]string{"type", "id", "status", "headers"}, "body")
		message.ID = v.nonEmpty("id", MaxHTTPIDLength)
		message.Status = int(v.integer("status", 200, 599))
		message.Headers = v.headers("headers")
		message.Body, message.HasBody = v.body("body", MaxHTTPResponseBodyBytes)
	case typ == "http.error" && v2:
		v.keys([]string{"type", "id", "error"})
		message.ID = v.nonEmpty("id", MaxHTTPIDLength)
		message.Error = v.httpError("error")
	case typ == "":
		return nil, violation("a message from fctl has no type")
	default:
		return nil, violation("fctl sent a message of unknown type %q (protocol v%d)", typ, version)
	}
	if v.err != nil {
		return nil, v.err
	}
	return message, nil
}

// checker walks one decoded object, keeping the first problem.
type checker struct {
	object map[string]any
	where  string
	err    error
}

func (c *checker) ok() bool { return c.err == nil }

func (c *checker) fail(format string, args ...any) {
	if c.err == nil {
		c.err = violation("fctl's %s: %s", c.where, fmt.Sprintf(format, args...))
	}
}

func (c *checker) adopt(sub *checker) {
	if c.err == nil && sub.err != nil {
		c.err = sub.err
	}
}

// keys requires every key of required and allows only those and optional.
func (c *checker) keys(required []string, optional ...string) {
	for _, key := range required {
		if _, ok := c.object[key]; !ok {
			c.fail("%s is missing", key)
		}
	}
	for key := range c.object {
		if !slices.Contains(required, key) && !slices.Contains(optional, key) {
			c.fail("unknown field %q", key)
		}
	}
}

func (c *checker) str(key string) string {
	raw, present := c.object[key]
	s, ok := raw.(string)
	if present && !ok {
		c.fail("%s must be a string", key)
	}
	return s
}

func (c *checker) nonEmpty(key string, maxLength int) string {
	s := c.str(key)
	if c.ok() && s == "" {
		c.fail("%s must not be empty", key)
	}
	if c.ok() && maxLength > 0 && utf16Len(s) > maxLength {
		c.fail("%s is over %d characters", key, maxLength)
	}
	return s
}

func (c *checker) boolean(key string) bool {
	b, ok := c.object[key].(bool)
	if !ok {
		c.fail("%s must be true or false", key)
	}
	return b
}

// asInteger is a JSON number that is an integer (1.0 included, as JSON Schema counts it).
func asInteger(raw any) (int64, bool) {
	n, ok := raw.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > maxSafeInteger {
		return 0, false
	}
	return int64(f), true
}

func (c *checker) integer(key string, minimum, maximum int64) int64 {
	n, ok := asInteger(c.object[key])
	if !ok {
		c.fail("%s must be an integer", key)
		return 0
	}
	if n < minimum || n > maximum {
		c.fail("%s must be %d to %d", key, minimum, maximum)
	}
	return n
}

func (c *checker) strings(key string) []string {
	list, ok := c.object[key].([]any)
	if !ok {
		c.fail("%s must be an array of strings", key)
		return nil
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			c.fail("%s must be an array of strings", key)
			return nil
		}
		out = append(out, s)
	}
	return out
}

func (c *checker) versions(key string) []int {
	list, ok := c.object[key].([]any)
	if !ok || len(list) == 0 {
		c.fail("%s must be a non-empty array of integers", key)
		return nil
	}
	out := []int{}
	for _, item := range list {
		n, ok := asInteger(item)
		if !ok || n < 1 {
			c.fail("%s must hold integers of at least 1", key)
			return nil
		}
		out = append(out, int(n))
	}
	return out
}

// flags decodes execute's flags: strings, booleans, integers (int64) and string lists ([]string).
func (c *checker) flags(key string) map[string]any {
	object, ok := c.object[key].(map[string]any)
	if !ok {
		c.fail("%s must be an object", key)
		return nil
	}
	out := map[string]any{}
	for name, raw := range object {
		switch value := raw.(type) {
		case string, bool:
			out[name] = value
		case json.Number:
			n, ok := asInteger(value)
			if !ok {
				c.fail("flag %q is a number that is not an integer", name)
			}
			out[name] = n
		case []any:
			list := make([]string, 0, len(value))
			for _, item := range value {
				s, ok := item.(string)
				if !ok {
					c.fail("flag %q is a list that holds something else than strings", name)
				}
				list = append(list, s)
			}
			out[name] = list
		default:
			c.fail("flag %q is neither a string, a boolean, an integer nor a list of strings", name)
		}
	}
	return out
}

func (c *checker) auth(key string, v2 bool) Auth {
	object, ok := c.object[key].(map[string]any)
	if !ok {
		c.fail("%s must be an object", key)
		return Auth{}
	}
	sub := &checker{object: object, where: c.where + " auth"}
	var auth Auth
	if v2 {
		sub.keys([]string{"serviceUrl"}, "organizationId", "stackId")
	} else {
		sub.keys([]string{"serviceUrl", "insecureSkipTlsVerify"}, "accessToken", "organizationId", "stackId")
		auth.AccessToken = sub.str("accessToken")
		if _, present := object["insecureSkipTlsVerify"]; present {
			auth.InsecureSkipTLSVerify = sub.boolean("insecureSkipTlsVerify")
		}
	}
	auth.ServiceURL = sub.str("serviceUrl")
	auth.OrganizationID = sub.str("organizationId")
	auth.StackID = sub.str("stackId")
	c.adopt(sub)
	return auth
}

func (c *checker) session() HTTPLimits {
	capabilities, ok := c.object["capabilities"].(map[string]any)
	if !ok {
		c.fail("capabilities must be an object")
		return HTTPLimits{}
	}
	httpCapabilities, ok := capabilities["http"].(map[string]any)
	if !ok {
		c.fail("capabilities.http must be an object (every v2 core brokers HTTP)")
		return HTTPLimits{}
	}
	// Open objects: keys this SDK does not know are ignored.
	sub := &checker{object: httpCapabilities, where: c.where + " capabilities.http"}
	limits := HTTPLimits{
		MaxInFlight:          int(sub.integer("maxInFlight", 1, math.MaxInt32)),
		MaxRequestBodyBytes:  int(sub.integer("maxRequestBodyBytes", 0, MaxHTTPRequestBodyBytes)),
		MaxResponseBodyBytes: int(sub.integer("maxResponseBodyBytes", 0, MaxHTTPResponseBodyBytes)),
	}
	c.adopt(sub)
	return limits
}

func (c *checker) headers(key string) [][2]string {
	list, ok := c.object[key].([]any)
	if !ok {
		c.fail("%s must be an array of [name, value] pairs", key)
		return nil
	}
	if len(list) > MaxHTTPHeaderCount {
		c.fail("%s has %d pairs, over %d", key, len(list), MaxHTTPHeaderCount)
		return nil
	}
	out := make([][2]string, 0, len(list))
	total := 0
	for _, item := range list {
		pair, ok := item.([]any)
		if !ok || len(pair) != 2 {
			c.fail("%s must be [name, value] pairs", key)
			return nil
		}
		name, okName := pair[0].(string)
		value, okValue := pair[1].(string)
		if !okName || !okValue || !headerNamePattern.MatchString(name) || !headerValuePattern.MatchString(value) {
			c.fail("%s holds a malformed header", key)
			return nil
		}
		total += len(name) + len(value)
		out = append(out, [2]string{name, value})
	}
	if total > MaxHTTPHeaderBytes {
		c.fail("%s total %d bytes, over %d", key, total, MaxHTTPHeaderBytes)
	}
	return out
}

func (c *checker) body(key string, limit int) ([]byte, bool) {
	raw, present := c.object[key]
	if !present {
		return nil, false
	}
	object, ok := raw.(map[string]any)
	if !ok {
		c.fail("%s must be an object", key)
		return nil, false
	}
	sub := &checker{object: object, where: c.where + " " + key}
	sub.keys([]string{"encoding", "data"})
	encoding, data := sub.str("encoding"), sub.str("data")
	c.adopt(sub)
	if !c.ok() {
		return nil, false
	}
	bytes, err := decodeBody(encoding, data)
	if err != nil {
		c.fail("%s: %v", key, err)
		return nil, false
	}
	if len(bytes) > limit {
		c.fail("%s is %d bytes, over the protocol's %d", key, len(bytes), limit)
		return nil, false
	}
	return bytes, true
}

// decodeBody decodes a protocol body: utf8 text, or standard padded base64 without whitespace.
func decodeBody(encoding, data string) ([]byte, error) {
	switch encoding {
	case "utf8":
		return []byte(data), nil
	case "base64":
		if len(data)%4 != 0 || strings.ContainsAny(data, "\r\n\t ") {
			return nil, fmt.Errorf("not standard, padded base64")
		}
		out, err := base64.StdEncoding.Strict().DecodeString(data)
		if err != nil {
			return nil, fmt.Errorf("not standard, padded base64")
		}
		return out, nil
	}
	return nil, fmt.Errorf("encoding %q is neither utf8 nor base64", encoding)
}

func (c *checker) httpError(key string) *RequestError {
	object, ok := c.object[key].(map[string]any)
	if !ok {
		c.fail("%s must be an object", key)
		return nil
	}
	sub := &checker{object: object, where: c.where + " error"}
	sub.keys([]string{"kind", "code", "message"})
	e := &RequestError{Kind: sub.str("kind"), Code: sub.str("code"), Message: sub.str("message")}
	if sub.ok() && !slices.Contains([]string{"refused", "limit", "unavailable", "timeout", "cancelled"}, e.Kind) {
		sub.fail("kind %q is not one of refused, limit, unavailable, timeout, cancelled", e.Kind)
	}
	if sub.ok() && !errorCodePattern.MatchString(e.Code) {
		sub.fail("code %q is not lower snake case", e.Code)
	}
	c.adopt(sub)
	return e
}
