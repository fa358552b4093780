package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// connMux shares one listener between grpc-go's own HTTP/2 transport, for
// native gRPC (the fastest path, with its keepalive and flow control), and
// net/http, for everything else: HTTP/1.1, and h2c connections whose first
// request is not native gRPC (REST, Connect, gRPC-Web; a later gRPC call
// on such a connection is still served, through grpc-go's ServeHTTP).
//
// It reads the start of each connection: bytes other than the HTTP/2
// preface mean HTTP/1.x; for HTTP/2 it sends an empty SETTINGS frame (gRPC
// clients wait for the server's before sending a request) and reads frames
// up to the first request's headers. The bytes read are replayed to the
// chosen server, minus the client's acknowledgement of that SETTINGS frame,
// which neither server expects.
type connMux struct {
	lis  net.Listener
	grpc *chanListener
	http *chanListener
	// wait bounds how long a connection may take to show its first request;
	// an HTTP/2 connection still silent then goes to gRPC, whose clients
	// connect before they call.
	wait time.Duration
}

func newConnMux(lis net.Listener, wait time.Duration) *connMux {
	return &connMux{lis: lis, grpc: newChanListener(lis.Addr()), http: newChanListener(lis.Addr()), wait: wait}
}

// serve accepts until the listener is closed, then closes both sides.
func (m *connMux) serve() error {
	for {
		c, err := m.lis.Accept()
		if err != nil {
			m.grpc.close()
			m.http.close()
			return err
		}
		go m.route(c)
	}
}

func (m *connMux) route(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(m.wait))
	var seen bytes.Buffer
	r := io.TeeReader(c, &seen)
	h2, err := readPreface(r)
	toGRPC := false
	if err == nil && h2 {
		toGRPC = firstRequestIsGRPC(c, r)
	}
	_ = c.SetReadDeadline(time.Time{})
	replay := io.MultiReader(&seen, c)
	if h2 {
		replay = &settingsAckFilter{r: replay}
	}
	conn := &replayConn{Conn: c, r: replay}
	if toGRPC {
		m.grpc.push(conn)
	} else {
		m.http.push(conn)
	}
}

// readPreface reads as much of the HTTP/2 client preface as the connection
// matches: it stops at the first byte that differs (an HTTP/1.x request).
func readPreface(r io.Reader) (bool, error) {
	got := make([]byte, 0, len(http2.ClientPreface))
	buf := make([]byte, len(http2.ClientPreface))
	for len(got) < len(http2.ClientPreface) {
		n, err := r.Read(buf[:len(http2.ClientPreface)-len(got)])
		got = append(got, buf[:n]...)
		if !strings.HasPrefix(http2.ClientPreface, string(got)) { //nolint:gocritic // what came so far must begin the preface, not the reverse
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// firstRequestIsGRPC sends an empty SETTINGS frame and reads the client's
// frames up to its first HEADERS, whose content type tells a native gRPC
// request (isGRPC). A connection that sends
// no request before the deadline is taken for a gRPC client's.
func firstRequestIsGRPC(w io.Writer, r io.Reader) bool {
	if err := http2.NewFramer(w, nil).WriteSettings(); err != nil {
		return false
	}
	fr := http2.NewFramer(nil, r)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	for range 16 {
		f, err := fr.ReadFrame()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return true
		}
		if err != nil {
			return false
		}
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			ct := ""
			for _, hf := range f.RegularFields() {
				if hf.Name == "content-type" {
					ct = hf.Value
				}
			}
			return isGRPC(ct)
		case *http2.SettingsFrame, *http2.WindowUpdateFrame, *http2.PriorityFrame, *http2.PingFrame:
		default:
			return false
		}
	}
	return false
}

// settingsAckFilter passes an HTTP/2 client's byte stream through, minus
// the first SETTINGS frame with the ACK flag: the acknowledgement of the
// SETTINGS frame that connMux sent.
type settingsAckFilter struct {
	r          io.Reader
	prefaceOut bool
	dropped    bool
	pending    []byte
}

func (f *settingsAckFilter) Read(p []byte) (int, error) {
	for len(f.pending) == 0 {
		if f.dropped {
			return f.r.Read(p)
		}
		if !f.prefaceOut {
			f.pending = make([]byte, len(http2.ClientPreface))
			if _, err := io.ReadFull(f.r, f.pending); err != nil {
				return 0, err
			}
			f.prefaceOut = true
			continue
		}
		var hdr [9]byte
		if _, err := io.ReadFull(f.r, hdr[:]); err != nil {
			return 0, err
		}
		size := int(hdr[0])<<16 | int(hdr[1])<<8 | int(hdr[2])
		frameType, flags := http2.FrameType(hdr[3]), http2.Flags(hdr[4])
		if frameType == http2.FrameSettings && flags.Has(http2.FlagSettingsAck) && size == 0 &&
			binary.BigEndian.Uint32(hdr[5:]) == 0 {
			f.dropped = true
			continue
		}
		f.pending = make([]byte, 9+size)
		copy(f.pending, hdr[:])
		if _, err := io.ReadFull(f.r, f.pending[9:]); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// replayConn reads what connMux read, then the connection.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener hands connMux's connections to a server's Serve.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) push(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		_ = c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) close() { l.once.Do(func() { close(l.done) }) }

// Close stops Accept; the shared listener is closed by its owner.
func (l *chanListener) Close() error {
	l.close()
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
