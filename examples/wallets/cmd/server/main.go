// Command server runs the example wallets service:
//
//	go run ./cmd/server --version 1.0.0 --port 0 [--token T]
//
// It prints "wallets service v1.0.0 listening on http://127.0.0.1:PORT" once it accepts
// connections, and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/fctl-plugin-kit/fctl-plugin-kit/examples/wallets/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wallets:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; the listening line goes to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("server", flag.ContinueOnError)
	version := flags.String("version", "", "the service version, semver (required)")
	host := flags.String("host", "127.0.0.1", "the address to listen on")
	port := flags.Int("port", 8080, "the port to listen on; 0 picks a free one")
	token := flags.String("token", "", "require Authorization: Bearer <token> on the API")
	if err := flags.Parse(args); err != nil {
		return err
	}
	handler, err := service.New(service.Options{Version: *version, Token: *token})
	if err != nil {
		return err
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	server := &http.Server{Handler: handler}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		_ = server.Shutdown(context.Background())
	}()
	fmt.Fprintf(out, "wallets service v%s listening on http://%s\n", *version, listener.Addr())
	if err := server.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-stopped
	return nil
}
