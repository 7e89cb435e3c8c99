package plugin

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// directTransport is the http.RoundTripper of one execute under protocol v1: it requests
// auth.ServiceURL + path itself with "Authorization: Bearer <token>", only within the stack's
// scope (the service's prefix /api/<name>, or GET/HEAD /versions; redirects re-checked), and
// skips TLS verification only when the profile says InsecureSkipTLSVerify.
type directTransport struct {
	auth    Auth
	prefix  string
	limits  HTTPLimits
	base    *http.Transport
	execute context.Context
}

func newDirectTransport(auth Auth, pluginName string, limits HTTPLimits, execute context.Context) *directTransport {
	base := http.DefaultTransport.(*http.Transport).Clone()
	if auth.InsecureSkipTLSVerify {
		base.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // the profile asks for it
	}
	return &directTransport{auth: auth, prefix: "/api/" + pluginName, limits: limits, base: base, execute: execute}
}

// inScope refuses a target outside the stack: another origin, or a path outside the service's prefix.
func (t *directTransport) inScope(target *url.URL, method string) error {
	service, err := url.Parse(t.auth.ServiceURL)
	if err != nil {
		return refused("invalid_url", "the stack URL %q is not a URL", t.auth.ServiceURL)
	}
	if !strings.EqualFold(service.Scheme, target.Scheme) || !strings.EqualFold(service.Host, target.Host) {
		return refused("other_origin", "%s://%s is not the stack of this profile", target.Scheme, target.Host)
	}
	base := strings.TrimRight(service.EscapedPath(), "/")
	path := target.EscapedPath()
	if (method == http.MethodGet || method == http.MethodHead) && path == base+"/versions" {
		return nil
	}
	if path != base+t.prefix && !strings.HasPrefix(path, base+t.prefix+"/") {
		return refused("outside_prefix", "%s is outside %s%s", truncate(path, 200), base, t.prefix)
	}
	return nil
}

// RoundTrip checks req, sends it to the stack itself with the token, and maps failures to *RequestError.
func (t *directTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.execute.Err() != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, cancelledError()
	}
	// A redirect the client follows: its refusals are named redirect_<code>.
	redirected := req.Response != nil
	out, err := prepare(req, t.limits)
	if err != nil {
		return nil, redirectCode(err, redirected)
	}
	raw := out.URL
	if strings.HasPrefix(raw, "/") {
		raw = strings.TrimRight(t.auth.ServiceURL, "/") + raw
	}
	target, err := url.Parse(raw)
	if err != nil {
		return nil, refused("invalid_url", "%s is not a URL below the stack %s", truncate(out.URL, 200), t.auth.ServiceURL)
	}
	if err := t.inScope(target, out.Method); err != nil {
		return nil, redirectCode(err, redirected)
	}
	// The execute's cancellation reaches the request even if the handler did not pass its ctx.
	ctx, cancel := context.WithCancelCause(req.Context())
	stop := context.AfterFunc(t.execute, func() { cancel(cancelledError()) })
	var body io.Reader = http.NoBody
	if out.HasBody {
		body = bytes.NewReader(out.Body)
	}
	outgoing, err := http.NewRequestWithContext(ctx, out.Method, target.String(), body)
	if err != nil {
		stop()
		cancel(nil)
		return nil, refused("invalid_url", "%s is not a URL below the stack", truncate(out.URL, 200))
	}
	for _, pair := range out.Headers {
		outgoing.Header.Add(pair[0], pair[1])
	}
	if t.auth.AccessToken != "" {
		outgoing.Header.Set("Authorization", "Bearer "+t.auth.AccessToken)
	}
	response, err := t.base.RoundTrip(outgoing)
	if err != nil {
		stop()
		cancel(nil)
		return nil, t.networkError(req.Context(), target, err)
	}
	response.Request = req
	response.Body = &limitedBody{body: response.Body, left: int64(t.limits.MaxResponseBodyBytes), done: func() { stop(); cancel(nil) }}
	return response, nil
}

func redirectCode(err error, redirected bool) error {
	var request *RequestError
	if redirected && errors.As(err, &request) && request.Kind == RequestRefused {
		return &RequestError{Kind: RequestRefused, Code: "redirect_" + request.Code, Message: "the stack redirected: " + request.Message}
	}
	return err
}

func (t *directTransport) networkError(ctx context.Context, target *url.URL, err error) error {
	if t.execute.Err() != nil {
		return cancelledError()
	}
	if ctx.Err() != nil {
		return requestContextError(ctx)
	}
	code := "network"
	var dns *net.DNSError
	var op *net.OpError
	var unknownAuthority x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verification *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &dns):
		code = "dns"
	case errors.As(err, &unknownAuthority), errors.As(err, &invalid), errors.As(err, &hostname), errors.As(err, &verification), errors.As(err, &record):
		code = "tls"
	case errors.As(err, &op) && op.Op == "dial":
		code = "connect"
	}
	return &RequestError{Kind: RequestUnavailable, Code: code, Message: fmt.Sprintf("cannot reach %s://%s: %v", target.Scheme, target.Host, err)}
}

// limitedBody fails a response body past the session's limit, as fctl's broker refuses it.
type limitedBody struct {
	body io.ReadCloser
	left int64
	done func()
}

// Read fails past the response body limit.
func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, &RequestError{Kind: RequestLimit, Code: "response_body_too_large", Message: "the response body is over the protocol's limit"}
	}
	return n, err
}

// Close closes the body and releases the request.
func (b *limitedBody) Close() error {
	err := b.body.Close()
	b.done()
	return err
}
