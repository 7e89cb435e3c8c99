package plugin

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// HTTPLimits are a session's HTTP limits (session.capabilities.http under protocol v2).
type HTTPLimits struct {
	MaxInFlight          int // most requests in flight at once, all executes together
	MaxRequestBodyBytes  int // largest request body fctl sends on
	MaxResponseBodyBytes int // largest response body fctl passes back
}

// ProtocolHTTPLimits are the protocol's limits with the reference core's in-flight bound; the
// direct (v1) client applies them too.
var ProtocolHTTPLimits = HTTPLimits{MaxInFlight: DefaultHTTPMaxInFlight, MaxRequestBodyBytes: MaxHTTPRequestBodyBytes, MaxResponseBodyBytes: MaxHTTPResponseBodyBytes}

// outgoing is a request as it goes on the wire, checked.
type outgoing struct {
	Method    string
	URL       string
	Headers   [][2]string
	Body      []byte
	HasBody   bool
	TimeoutMs int64
}

// Header names a plugin may not send: fctl adds credentials and owns framing and routing headers.
// The same lists as fctl's broker, so a request refused under v2 is refused under v1 too.
var (
	credentialNames = []string{"authorization", "proxy-authorization", "cookie", "cookie2", "api-key", "apikey", "x-api-key", "x-apikey"}
	credentialParts = []string{"token", "auth", "authorization", "apikey", "secret", "password", "passwd", "session", "cookie", "credential", "credentials", "jwt", "bearer"}
	reservedNames   = []string{"host", "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "upgrade", "te", "trailer", "expect", "http2-settings"}
	routingNames    = []string{"x-original-url", "x-rewrite-url", "x-override-url", "x-original-uri", "x-forwarded-host", "x-forwarded-prefix", "x-forwarded-path", "x-forwarded-uri", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-server", "x-forwarded-scheme", "x-host", "forwarded"}
)

func isCredentialHeader(lower string) bool {
	if slices.Contains(credentialNames, lower) {
		return true
	}
	parts := strings.FieldsFunc(lower, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	for i, part := range parts {
		if slices.Contains(credentialParts, part) || (part == "api" && i+1 < len(parts) && parts[i+1] == "key") {
			return true
		}
	}
	return false
}

func refusedHeader(name string) error {
	lower := strings.ToLower(name)
	switch {
	case isCredentialHeader(lower):
		return &RequestError{Kind: RequestRefused, Code: "credential_header", Message: fmt.Sprintf("the header %s is refused: fctl adds the credentials of the profile itself", name)}
	case slices.Contains(reservedNames, lower):
		return &RequestError{Kind: RequestRefused, Code: "reserved_header", Message: fmt.Sprintf("the header %s is refused: the HTTP layer sets it", name)}
	case slices.Contains(routingNames, lower):
		return &RequestError{Kind: RequestRefused, Code: "routing_header", Message: fmt.Sprintf("the header %s is refused: some servers route by it, around the service's prefix", name)}
	}
	return nil
}

func refused(code, format string, args ...any) *RequestError {
	return &RequestError{Kind: RequestRefused, Code: code, Message: fmt.Sprintf(format, args...)}
}

// wireURL is the URL of req as protocol v2 carries it: a path from "/" (query included) or an
// absolute http(s) URL, printable ASCII without spaces.
func wireURL(u *url.URL) (string, error) {
	if u.User != nil {
		return "", refused("userinfo", "a URL with credentials in it is refused")
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return "", refused("fragment", "a URL with a fragment is refused")
	}
	var raw string
	switch {
	case u.Scheme == "" && u.Host == "":
		raw = u.RequestURI()
		if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
			return "", fmt.Errorf("plugin http: the URL must be a path from \"/\" (below the stack URL) or an absolute http(s) URL; got %q", u.String())
		}
	case u.Scheme == "http" || u.Scheme == "https":
		raw = u.String()
	default:
		return "", fmt.Errorf("plugin http: the URL must be a path from \"/\" (below the stack URL) or an absolute http(s) URL; got %q", u.String())
	}
	if strings.Contains(raw, `\`) {
		return "", refused("backslash", "a URL with a backslash is refused")
	}
	path := u.EscapedPath()
	if err := pathProblem(path, raw); err != nil {
		return "", err
	}
	var out strings.Builder
	for _, b := range []byte(raw) {
		if b > 0x20 && b < 0x7f {
			out.WriteByte(b)
		} else {
			fmt.Fprintf(&out, "%%%02X", b)
		}
	}
	return out.String(), nil
}

// pathProblem refuses a backslash or a "." / ".." segment in path, percent-encoded or not
// (decoded repeatedly, byte by byte).
func pathProblem(path, raw string) error {
	text := path
	for range 8 {
		if strings.Contains(text, `\`) {
			return refused("backslash", "a URL with a percent-encoded backslash is refused")
		}
		for _, segment := range strings.Split(text, "/") {
			if segment == "." || segment == ".." {
				return refused("dot_segment", "the path %q has a \".\" or \"..\" segment", truncate(raw, 200))
			}
		}
		decoded := percentDecodeLoose(text)
		if decoded == text {
			return nil
		}
		text = decoded
	}
	return refused("dot_segment", "the path is percent-encoded too many times over")
}

func percentDecodeLoose(s string) string {
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		out.WriteByte(s[i])
	}
	return out.String()
}

func isHex(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
}

func unhex(b byte) byte {
	switch {
	case b >= 'a':
		return b - 'a' + 10
	case b >= 'A':
		return b - 'A' + 10
	}
	return b - '0'
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// prepare checks req and converts it to what goes on the wire; the same checks on both
// versions: a refused header, a body over the limit, anything protocol v2 would not carry.
func prepare(req *http.Request, limits HTTPLimits) (*outgoing, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	wire, err := wireURL(req.URL)
	if err != nil {
		return nil, err
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	out := &outgoing{Method: method, URL: wire}
	names := make([]string, 0, len(req.Header))
	for name := range req.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	headerBytes := 0
	for _, name := range names {
		lower := strings.ToLower(name)
		if lower == "accept-encoding" {
			continue // the coding is the client's choice (fctl's broker decodes bodies itself)
		}
		if err := refusedHeader(name); err != nil {
			return nil, err
		}
		for _, value := range req.Header[name] {
			if !headerNamePattern.MatchString(name) || !headerValuePattern.MatchString(value) {
				return nil, refused("invalid_request", "the request cannot be sent: the header %q is malformed", name)
			}
			headerBytes += len(lower) + len(value)
			out.Headers = append(out.Headers, [2]string{lower, value})
		}
	}
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(io.LimitReader(req.Body, int64(limits.MaxRequestBodyBytes)+1))
		if err != nil {
			return nil, fmt.Errorf("plugin http: reading the request body: %w", err)
		}
		if len(body) > limits.MaxRequestBodyBytes {
			return nil, &RequestError{Kind: RequestLimit, Code: "request_body_too_large", Message: fmt.Sprintf("the request body is over the limit of %d bytes", limits.MaxRequestBodyBytes)}
		}
		out.Body, out.HasBody = body, true
	}
	if out.HasBody && (method == http.MethodGet || method == http.MethodHead) && len(out.Body) > 0 {
		return nil, fmt.Errorf("plugin http: a %s request cannot have a body", method)
	}
	switch {
	case !headerNamePattern.MatchString(method) || len(method) > MaxHTTPMethodLength:
		return nil, refused("invalid_request", "the request cannot be sent: the method %q is not an HTTP token of at most %d characters", truncate(method, 40), MaxHTTPMethodLength)
	case len(wire) > MaxHTTPURLLength:
		return nil, refused("invalid_request", "the request cannot be sent: its URL is over %d characters", MaxHTTPURLLength)
	case len(out.Headers) > MaxHTTPHeaderCount:
		return nil, refused("invalid_request", "the request cannot be sent: over %d headers", MaxHTTPHeaderCount)
	case headerBytes > MaxHTTPHeaderBytes:
		return nil, refused("invalid_request", "the request cannot be sent: its headers are over %d bytes", MaxHTTPHeaderBytes)
	}
	if deadline, ok := req.Context().Deadline(); ok {
		out.TimeoutMs = max(1, time.Until(deadline).Milliseconds())
	}
	return out, nil
}

// wireBody is a body as protocol v2 carries it: utf8 when the bytes are UTF-8, else base64.
type wireBody struct {
	Encoding string `json:"encoding"`
	Data     string `json:"data"`
}

func encodeBody(b []byte) *wireBody {
	if utf8.Valid(b) {
		return &wireBody{Encoding: "utf8", Data: string(b)}
	}
	return &wireBody{Encoding: "base64", Data: base64.StdEncoding.EncodeToString(b)}
}

// buildResponse is the *http.Response of a status, header pairs and a body.
func buildResponse(req *http.Request, status int, headers [][2]string, body []byte) *http.Response {
	header := http.Header{}
	for _, pair := range headers {
		header.Add(pair[0], pair[1])
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		Request: req,
	}
}

// requestContextError is what a request whose own context ended fails with.
func requestContextError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &RequestError{Kind: RequestTimeout, Code: "timeout", Message: "no answer before the request's deadline"}
	}
	return context.Cause(ctx)
}

func cancelledError() *RequestError {
	return &RequestError{Kind: RequestCancelled, Code: "cancelled", Message: "the request was abandoned: the command was cancelled"}
}

// newHTTPClient is the handler's client over transport. Under v2 fctl follows redirects, so a
// 3xx that reaches the plugin is final; under v1 the client follows them, each hop re-checked by
// the transport.
func newHTTPClient(transport http.RoundTripper, followRedirects bool) *http.Client {
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !followRedirects {
				return http.ErrUseLastResponse
			}
			if len(via) > maxRedirects {
				return refused("too_many_redirects", "more than %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

const maxRedirects = 5
