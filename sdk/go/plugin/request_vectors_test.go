package plugin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Invalid http.request vectors whose fault lies in what the SDK writes itself, never from a
// handler's request: the type, id and execute fields, the closed object, the headers' JSON shape,
// and the body's encoding (encodeBody writes valid UTF-8 or strict padded base64; see
// TestEncodeBody). An empty method cannot be asked for either: net/http reads "" as GET.
var generatedBySDK = []string{
	"base64-bad-character", "base64-padding-inside", "base64-unpadded", "base64-url-alphabet", "base64-whitespace",
	"body-bad-encoding", "body-without-encoding", "utf8-lone-surrogate", "empty-id", "id-over-length-limit",
	"extra-field", "from-core", "without-execute", "header-not-pair", "headers-object", "method-empty",
}

// TestHTTPRequestVectors: a handler's request matching a valid http.request vector goes on the
// wire as that vector says; one matching an invalid vector is refused before sending, or
// rewritten into a valid line (a non-ASCII or space character in the path is percent-encoded).
func TestHTTPRequestVectors(t *testing.T) {
	checked := 0
	for _, v := range loadVectors(t) {
		var message struct {
			Type    string          `json:"type"`
			Method  string          `json:"method"`
			URL     string          `json:"url"`
			Headers json.RawMessage `json:"headers"`
			Body    *wireBody       `json:"body"`
		}
		if v.Schema != "plugin-message" || json.Unmarshal(v.line(t), &message) != nil || message.Type != "http.request" {
			continue
		}
		name := strings.TrimPrefix(strings.TrimSuffix(filepath.Base(v.file), ".json"), "http-request-")
		if !v.valid && slices.Contains(generatedBySDK, name) {
			continue
		}
		checked++
		var pairs [][2]string
		if err := json.Unmarshal(message.Headers, &pairs); err != nil {
			t.Fatalf("%s: headers %v", v.file, err)
		}
		target, err := url.Parse(message.URL)
		if err != nil {
			if v.valid {
				t.Errorf("%s: net/url refuses a valid URL: %v", v.file, err)
			}
			continue // a handler cannot even build this request
		}
		req := &http.Request{Method: message.Method, URL: target, Header: http.Header{}}
		for _, pair := range pairs {
			req.Header[pair[0]] = append(req.Header[pair[0]], pair[1])
		}
		var body []byte
		if message.Body != nil {
			if body, err = decodeBody(message.Body.Encoding, message.Body.Data); err != nil {
				t.Fatalf("%s: %v", v.file, err)
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		out, err := prepare(req, ProtocolHTTPLimits)
		if !v.valid {
			if err == nil && out.URL == message.URL {
				t.Errorf("%s: sent as is (%s)", v.file, v.Why)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: refused a valid request: %v", v.file, err)
			continue
		}
		wantHeaders := slices.Clone(pairs)
		gotHeaders := slices.Clone(out.Headers)
		byName := func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) }
		slices.SortFunc(wantHeaders, byName)
		slices.SortFunc(gotHeaders, byName)
		if out.Method != message.Method || out.URL != message.URL || !slices.Equal(gotHeaders, wantHeaders) || !bytes.Equal(out.Body, body) {
			t.Errorf("%s: sent %s %s %v (%d body bytes)", v.file, out.Method, truncate(out.URL, 80), gotHeaders, len(out.Body))
		}
	}
	if checked < 30 {
		t.Fatalf("only %d http.request vectors checked", checked)
	}
}

func TestEncodeBody(t *testing.T) {
	text := encodeBody([]byte("héllo"))
	binary := encodeBody([]byte{0xff, 0x00, 0xfe})
	if text.Encoding != "utf8" || text.Data != "héllo" || !utf8.ValidString(text.Data) {
		t.Errorf("text body %+v", text)
	}
	if decoded, err := base64.StdEncoding.Strict().DecodeString(binary.Data); binary.Encoding != "base64" || err != nil || len(decoded) != 3 || len(binary.Data)%4 != 0 {
		t.Errorf("binary body %+v", binary)
	}
}
