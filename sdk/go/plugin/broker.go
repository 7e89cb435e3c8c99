package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// broker is brokered HTTP (protocol v2) for one plugin process: it writes http.request, matches
// http.response and http.error by id, and keeps at most maxInFlight requests in flight (all
// executes together); the rest wait for a slot.
type broker struct {
	write  func(line []byte)
	limits HTTPLimits
	slots  chan struct{}

	mu      sync.Mutex
	pending map[string]chan *coreMessage
	next    uint64
	// queued counts calls waiting for a slot (observed by tests).
	queued atomic.Int64
}

func newBroker(write func([]byte), limits HTTPLimits) *broker {
	return &broker{write: write, limits: limits, slots: make(chan struct{}, limits.MaxInFlight), pending: map[string]chan *coreMessage{}}
}

// deliver hands fctl's answer to the call waiting for it and frees its slot. A call that gave up
// (its context ended) keeps its slot until this answer: fctl counts it in flight until then.
func (b *broker) deliver(m *coreMessage) bool {
	b.mu.Lock()
	ch, ok := b.pending[m.ID]
	delete(b.pending, m.ID)
	b.mu.Unlock()
	if !ok {
		return false
	}
	<-b.slots
	ch <- m
	return true
}

// acquire takes an in-flight slot, waiting for one while ctx and the execute last.
func (b *broker) acquire(ctx, execute context.Context) error {
	select {
	case b.slots <- struct{}{}:
		return nil
	default:
	}
	b.queued.Add(1)
	defer b.queued.Add(-1)
	select {
	case b.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return requestContextError(ctx)
	case <-execute.Done():
		return cancelledError()
	}
}

type httpRequestMessage struct {
	Type      string      `json:"type"`
	ID        string      `json:"id"`
	Execute   string      `json:"execute"`
	Method    string      `json:"method"`
	URL       string      `json:"url"`
	Headers   [][2]string `json:"headers"`
	Body      *wireBody   `json:"body,omitempty"`
	TimeoutMs int64       `json:"timeoutMs,omitempty"`
}

// brokerTransport is the http.RoundTripper of one execute under protocol v2.
type brokerTransport struct {
	broker    *broker
	executeID string
	// execute is the execute's context: cancelled on cancel and when the execute is answered.
	execute context.Context
}

// RoundTrip checks req, sends it to fctl as http.request and waits for its answer.
func (t *brokerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.execute.Err() != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, cancelledError()
	}
	out, err := prepare(req, t.broker.limits)
	if err != nil {
		return nil, err
	}
	if err := t.broker.acquire(ctx, t.execute); err != nil {
		return nil, err
	}
	ch := make(chan *coreMessage, 1)
	t.broker.mu.Lock()
	t.broker.next++
	id := "r" + strconv.FormatUint(t.broker.next, 10)
	t.broker.pending[id] = ch
	t.broker.mu.Unlock()
	message := httpRequestMessage{Type: "http.request", ID: id, Execute: t.executeID, Method: out.Method, URL: out.URL, Headers: out.Headers, TimeoutMs: out.TimeoutMs}
	if message.Headers == nil {
		message.Headers = [][2]string{}
	}
	if out.HasBody {
		message.Body = encodeBody(out.Body)
	}
	line, err := json.Marshal(message)
	if err != nil {
		return nil, err
	}
	t.broker.write(line)
	select {
	case answer := <-ch:
		if answer.Error != nil {
			return nil, answer.Error
		}
		return buildResponse(req, answer.Status, answer.Headers, answer.Body), nil
	case <-t.execute.Done():
		return nil, cancelledError()
	case <-ctx.Done():
		return nil, requestContextError(ctx)
	}
}
