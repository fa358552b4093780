package benchrig

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Quantile is the pct-th percentile of sorted latencies: sorted[n*pct/100],
// the last one at most.
func Quantile[T any](sorted []T, pct int) T {
	return sorted[min(len(sorted)-1, len(sorted)*pct/100)]
}

// Figures are the percentiles of a set of latencies, in seconds.
type Figures struct {
	P50, P99, Max float64
}

// Latencies sorts lat and returns its percentiles.
func Latencies(lat []float64) Figures {
	slices.Sort(lat)
	return Figures{P50: Quantile(lat, 50), P99: Quantile(lat, 99), Max: lat[len(lat)-1]}
}

// Tick calls fire(k) in a goroutine of its own rate times a second for d,
// and returns when every call has returned.
func Tick(rate int, d time.Duration, fire func(k int)) {
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for k := 0; time.Now().Before(end); k++ {
		<-tick.C
		wg.Go(func() { fire(k) })
	}
	wg.Wait()
}

// Arrivals times things sent until they arrive, by key; it is safe for
// concurrent use.
type Arrivals struct {
	mu      sync.Mutex
	sent    map[string]time.Time
	arrived map[string]time.Time
}

// NewArrivals returns an empty Arrivals.
func NewArrivals() *Arrivals {
	return &Arrivals{sent: map[string]time.Time{}, arrived: map[string]time.Time{}}
}

// Sent records that key was sent at t.
func (a *Arrivals) Sent(key string, t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sent[key] = t
}

// Unsent forgets a key whose sending failed.
func (a *Arrivals) Unsent(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sent, key)
}

// Arrived records that key arrived now, unless it already had.
func (a *Arrivals) Arrived(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, seen := a.arrived[key]; !seen {
		a.arrived[key] = time.Now()
	}
}

// Wait waits up to d for every key sent to arrive: the last ones may still
// be on their way.
func (a *Arrivals) Wait(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		a.mu.Lock()
		all := len(a.arrived) >= len(a.sent)
		a.mu.Unlock()
		if all {
			return
		}
	}
}

// Result returns how many keys were sent, how many of them never arrived,
// and the latencies in seconds of those that did.
func (a *Arrivals) Result() (sent, missing int, lat []float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for key, s := range a.sent {
		t, ok := a.arrived[key]
		if !ok {
			missing++
			continue
		}
		lat = append(lat, t.Sub(s).Seconds())
	}
	return len(a.sent), missing, lat
}

// Quiet drains seen until nothing has come for a second: a feed watch
// replays the feed's history first, which no sample should pay for.
func Quiet(seen <-chan string) {
	for {
		select {
		case <-seen:
		case <-time.After(time.Second):
			return
		}
	}
}

// Await waits up to 30 s for want on seen, skipping the rest; what names
// the feed in errors.
func Await(seen <-chan string, want, what string) error {
	timeout := time.After(30 * time.Second)
	for {
		select {
		case got, ok := <-seen:
			if !ok {
				return fmt.Errorf("%s closed", what)
			}
			if got == want {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("%s: %s did not arrive", what, want)
		}
	}
}
