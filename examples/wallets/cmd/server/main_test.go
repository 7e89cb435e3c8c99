package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
)

func TestItSaysWhereItListensServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reader, writer := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--version", "1.0.0", "--port", "0"}, writer) }()

	line, err := bufio.NewReader(reader).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	match := regexp.MustCompile(`^wallets service v1\.0\.0 listening on (http://127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
	if match == nil {
		t.Fatalf("printed %q", line)
	}
	resp, err := http.Get(match[1] + "/versions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Versions []struct{ Name, Version string } `json:"versions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Versions) != 1 || body.Versions[0].Version != "v1.0.0" {
		t.Fatalf("GET /versions: %v %+v", err, body)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after its context ended: %v", err)
	}
}

func TestBadArgumentsAreRefusedBeforeListening(t *testing.T) {
	for _, args := range [][]string{{}, {"--version", "v1.0.0"}, {"--version", "1.0.0", "--port", "x"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("%v was accepted", args)
		}
	}
}
