package feed

import "context"

// LastSequence returns the number of the last event in the producer's feed
// (0 before the first): the head a consumer's cursor is measured against.
// It walks the chain from the shared end hint, which may lag, to the first
// free place; every number up to it is a committed event.
func (p *Producer) LastSequence(ctx context.Context) (int64, error) {
	p.mu.Lock()
	pos, err := p.end(ctx)
	p.mu.Unlock()
	if err != nil {
		return 0, err
	}
	for {
		c, found, err := p.at(ctx, pos)
		if err != nil {
			return 0, err
		}
		if !found {
			return pos - 1, nil
		}
		pos += c.N
	}
}
