package plugin

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shared test vectors of docs/protocol.md, from the repository root.
const vectorsDir = "../../../packages/protocol/test/vectors"

type vector struct {
	file    string
	version int
	valid   bool
	Schema  string          `json:"schema"`
	Layer   string          `json:"layer"`
	Why     string          `json:"why"`
	Message json.RawMessage `json:"message"`
	Fill    []struct {
		At     []any  `json:"at"`
		Repeat string `json:"repeat"`
		Count  int    `json:"count"`
		Suffix string `json:"suffix"`
	} `json:"fill"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	var out []vector
	for _, dir := range []struct {
		path    string
		version int
		valid   bool
	}{{"valid", 1, true}, {"invalid", 1, false}, {"v2/valid", 2, true}, {"v2/invalid", 2, false}} {
		files, err := filepath.Glob(filepath.Join(vectorsDir, dir.path, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no vectors in %s (%v)", dir.path, err)
		}
		for _, file := range files {
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			v := vector{file: filepath.Join(dir.path, filepath.Base(file)), version: dir.version, valid: dir.valid}
			if err := json.Unmarshal(text, &v); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			out = append(out, v)
		}
	}
	return out
}

// line is the vector's message as one line, with its fill expanded.
func (v vector) line(t *testing.T) []byte {
	t.Helper()
	if len(v.Fill) == 0 {
		var compact bytes.Buffer
		if err := json.Compact(&compact, v.Message); err != nil {
			t.Fatal(err)
		}
		return compact.Bytes()
	}
	decoder := json.NewDecoder(bytes.NewReader(v.Message))
	decoder.UseNumber()
	var message any
	if err := decoder.Decode(&message); err != nil {
		t.Fatal(err)
	}
	for _, fill := range v.Fill {
		var parent any = message
		for _, key := range fill.At[:len(fill.At)-1] {
			parent = step(parent, key)
		}
		value := strings.Repeat(fill.Repeat, fill.Count) + fill.Suffix
		switch container := parent.(type) {
		case map[string]any:
			container[fill.At[len(fill.At)-1].(string)] = value
		case []any:
			container[int(fill.At[len(fill.At)-1].(float64))] = value
		}
	}
	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(message); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimRight(out.Bytes(), "\n")
}

func step(value any, key any) any {
	switch container := value.(type) {
	case map[string]any:
		return container[key.(string)]
	case []any:
		return container[int(key.(float64))]
	}
	return nil
}

// TestCoreMessageVectors: every core→plugin vector is accepted (valid) or refused (invalid) by
// the decoder Serve reads fctl's lines with, at the vector's protocol version: the schema layer
// and the limits layer (depth, body sizes, header bytes, strict base64) are both the Go SDK's.
func TestCoreMessageVectors(t *testing.T) {
	checked := 0
	for _, v := range loadVectors(t) {
		if v.Schema != "core-message" {
			continue
		}
		checked++
		_, err := decodeCoreLine(v.version, v.line(t))
		if v.valid && err != nil {
			t.Errorf("%s: refused a valid message: %v", v.file, err)
		}
		if !v.valid && err == nil {
			t.Errorf("%s: accepted an invalid message (%s)", v.file, v.Why)
		}
	}
	if checked < 50 {
		t.Fatalf("only %d core-message vectors", checked)
	}
}

// TestPluginLinesEchoedToThePlugin: a plugin→core vector that is not an object or whose type
// fctl never sends (result, error, http.request...) is refused by the core-line decoder too.
func TestPluginLinesEchoedToThePlugin(t *testing.T) {
	for _, v := range loadVectors(t) {
		if v.Schema != "plugin-message" {
			continue
		}
		var probe struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(v.Message, &probe)
		switch probe.Type {
		case "hello", "execute", "cancel", "session", "http.response", "http.error":
			continue // types fctl sends too: judged by TestCoreMessageVectors
		}
		if _, err := decodeCoreLine(v.version, v.line(t)); err == nil {
			t.Errorf("%s: a %q line from the plugin's side was accepted as fctl's", v.file, probe.Type)
		}
	}
}

// TestManifestVectors: the manifest checks the SDK applies before sending hello (Validate, after
// a strict decode standing for the Go types) accept every valid manifest and refuse every invalid
// one, the schema layer and the rules layer alike.
func TestManifestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		message := v.Message
		if v.Schema == "plugin-message" {
			var hello struct {
				Type     string          `json:"type"`
				Manifest json.RawMessage `json:"manifest"`
			}
			if json.Unmarshal(v.Message, &hello) != nil || hello.Type != "hello" || !v.valid || hello.Manifest == nil {
				continue
			}
			message = hello.Manifest
		} else if v.Schema != "manifest" {
			continue
		}
		decoder := json.NewDecoder(bytes.NewReader(message))
		decoder.DisallowUnknownFields()
		var m Manifest
		err := decoder.Decode(&m)
		if err == nil {
			err = m.Validate()
		}
		if v.valid && err != nil {
			t.Errorf("%s: refused a valid manifest: %v", v.file, err)
		}
		if !v.valid && err == nil {
			t.Errorf("%s: accepted an invalid manifest (%s)", v.file, v.Why)
		}
	}
}

// TestResultVectors: the SDK's encoder sends each valid result's data as a result, and answers
// result_too_deep for the data of the depth-limit vectors instead of sending them.
func TestResultVectors(t *testing.T) {
	checked := 0
	for _, v := range loadVectors(t) {
		var result struct {
			Type string          `json:"type"`
			ID   string          `json:"id"`
			Data json.RawMessage `json:"data"`
		}
		if v.Schema != "plugin-message" || json.Unmarshal(v.Message, &result) != nil || result.Type != "result" || result.Data == nil {
			continue
		}
		if !v.valid && v.Layer != "limits" {
			continue // shape errors (a missing id, an extra field) cannot be produced by the encoder
		}
		checked++
		var answered struct {
			Type  string `json:"type"`
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		line := encodeAnswer(result.ID, answer{data: result.Data})
		if err := json.Unmarshal(line, &answered); err != nil {
			t.Fatal(err)
		}
		if v.valid && answered.Type != "result" {
			t.Errorf("%s: a valid result was not sent: %s", v.file, line)
		}
		if !v.valid && answered.Error.Code != "result_too_deep" {
			t.Errorf("%s: expected result_too_deep, got %s", v.file, line)
		}
	}
	if checked < 4 {
		t.Fatalf("only %d result vectors", checked)
	}
}
