package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"
)

// Running is a started console.
type Running struct {
	srv     *http.Server
	ln      net.Listener
	done    chan error
	timeout time.Duration
}

// Start listens on c.ListenAddr ("127.0.0.1:0" picks a free port) and
// serves app (the built-in application unless c.StaticDir is set).
func Start(ctx context.Context, c Config, log *slog.Logger) (*Running, error) {
	app := App()
	if c.StaticDir != "" {
		app = os.DirFS(c.StaticDir)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("console: listen on %s: %w", c.ListenAddr, err)
	}
	r := &Running{
		srv: &http.Server{
			Handler:           Handler(c.Backends, app, log),
			ReadHeaderTimeout: 10 * time.Second,
			// No write timeout: WatchRun streams for as long as a run lasts.
			IdleTimeout: 2 * time.Minute,
		},
		ln: ln, done: make(chan error, 1), timeout: c.ShutdownTimeout,
	}
	go func() { r.done <- r.srv.Serve(ln) }()
	return r, nil
}

// Addr is the address the console listens on.
func (r *Running) Addr() string { return r.ln.Addr().String() }

// Done reports the server's end (an error unless stopped by Stop).
func (r *Running) Done() <-chan error { return r.done }

// Stop lets open requests finish (up to the shutdown timeout) and stops.
func (r *Running) Stop() error {
	t := r.timeout
	if t <= 0 {
		t = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), t)
	defer cancel()
	err := r.srv.Shutdown(ctx)
	if serr := <-r.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
