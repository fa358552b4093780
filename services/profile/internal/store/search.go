package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/customer"
)

// The search index is a collection of documents fetched by string _id
// only, the one query every backend answers without reading a whole table
// (the embedded SQLite backend pushes down nothing else):
//
//   - "w:<word>" lists in entries the customers whose name has the word, one
//     entry per customer: "<search key>|<id>|<search version>" (the key
//     has only letters, digits and spaces, ids only letters and digits);
//   - "p:<prefix>" lists in words every indexed word that begins with the
//     prefix (its first one, two and three letters), so that the last word
//     of a query can be the beginning of a name's word;
//   - "meta:backfill" records that customers stored before the index
//     existed were indexed.
//
// The index is kept a superset of the truth without transactions: a
// customer's new entries are added before the customer is written and its
// old ones removed after, and entries are tagged with the customer's
// search version, so a late removal never takes away a newer state's entry.
// A write that fails or a process that dies between the steps leaves an
// entry the customer no longer justifies; search checks every hit against
// the stored customer, so such an entry is never returned.
const (
	prefixLen      = 3
	maxExpansion   = 100
	backfillMarker = "meta:backfill"
)

type indexDoc struct {
	ID      string   `bson:"_id"`
	Entries []string `bson:"entries"`
	Words   []string `bson:"words"`
	// Prefixed marks a word's document once the word is in its prefix
	// documents.
	Prefixed bool `bson:"prefixed"`
}

func wordID(w string) string { return "w:" + w }

func prefixID(p string) string { return "p:" + p }

// prefixes returns the first one to prefixLen letters of w.
func prefixes(w string) []string {
	var out []string
	for i := range w {
		if i > 0 {
			out = append(out, w[:i])
		}
		if len(out) == prefixLen {
			return out
		}
	}
	return append(out, w)
}

func entryOf(c *customer.Customer) string {
	return c.SearchKey() + "|" + c.ID + "|" + strconv.FormatInt(c.SearchVersion, 10)
}

type parsedEntry struct {
	raw, key, id string
	version      int64
}

func parseEntry(e string) (parsedEntry, bool) {
	parts := strings.Split(e, "|")
	if len(parts) != 3 {
		return parsedEntry{}, false
	}
	v, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return parsedEntry{}, false
	}
	return parsedEntry{raw: e, key: parts[0], id: parts[1], version: v}, true
}

// index adds c's entries; call it before writing c.
func (s *Store) index(ctx context.Context, c *customer.Customer) error {
	e := entryOf(c)
	for _, w := range c.IndexedWords() {
		// One round trip for a known word: the entry is added and the
		// document as it was comes back, to tell whether the word is in its
		// prefix documents yet. A new word, or one whose writer failed
		// half-way, is added to them before c is written, so every word of
		// a stored customer can be found by its beginning.
		var before indexDoc
		err := s.search.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: wordID(w)}},
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: "entries", Value: bson.D{{Key: "$each", Value: bson.A{e}}}}}}},
			options.FindOneAndUpdate().SetUpsert(true)).Decode(&before)
		if err != nil && !mongox.IsNotFound(err) {
			return mongox.Wrap("index search word", err)
		}
		if before.Prefixed {
			continue
		}
		for _, p := range prefixes(w) {
			if _, err := s.search.UpdateOne(ctx, bson.D{{Key: "_id", Value: prefixID(p)}},
				bson.D{{Key: "$addToSet", Value: bson.D{{Key: "words", Value: bson.D{{Key: "$each", Value: bson.A{w}}}}}}},
				options.UpdateOne().SetUpsert(true)); err != nil {
				return mongox.Wrap("index search prefix", err)
			}
		}
		if _, err := s.search.UpdateOne(ctx, bson.D{{Key: "_id", Value: wordID(w)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "prefixed", Value: true}}}}); err != nil {
			return mongox.Wrap("index search word", err)
		}
	}
	return nil
}

// unindex removes c's entries; call it after c's new state is written.
func (s *Store) unindex(ctx context.Context, c *customer.Customer) error {
	e := entryOf(c)
	for _, w := range c.IndexedWords() {
		if _, err := s.search.UpdateOne(ctx, bson.D{{Key: "_id", Value: wordID(w)}},
			bson.D{{Key: "$pull", Value: bson.D{{Key: "entries", Value: e}}}}); err != nil {
			return mongox.Wrap("remove search entry", err)
		}
	}
	return nil
}

// searchChanged reports whether next needs other search entries than prev.
func searchChanged(prev, next *customer.Customer) bool {
	return !slices.Equal(prev.IndexedWords(), next.IndexedWords()) || prev.SearchKey() != next.SearchKey()
}

func (s *Store) entries(ctx context.Context, word string) ([]string, error) {
	var d indexDoc
	err := s.search.FindOne(ctx, bson.D{{Key: "_id", Value: wordID(word)}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, mongox.Wrap("read search word", err)
	}
	return d.Entries, nil
}

// expand returns up to maxExpansion indexed words that begin with prefix,
// in order, prefix itself excluded.
func (s *Store) expand(ctx context.Context, prefix string) ([]string, error) {
	p := prefixes(prefix)
	var d indexDoc
	err := s.search.FindOne(ctx, bson.D{{Key: "_id", Value: prefixID(p[len(p)-1])}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, mongox.Wrap("read search prefix", err)
	}
	var out []string
	for _, w := range d.Words {
		if w != prefix && strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out[:min(len(out), maxExpansion)], nil
}

// Search returns up to limit active customers matching the query words
// (see customer.Match) after position after (nil: from the start), best
// rank first, then by search key and id. It reads one index document per
// query word and one customer per hit; only when the whole-word matches do
// not fill the page does it read the prefix document of the last word and
// the documents of the words it begins (at most maxExpansion).
func (s *Store) Search(ctx context.Context, query []string, after *customer.SearchPos, limit int) ([]customer.Hit, error) {
	if len(query) == 0 {
		return nil, nil
	}
	last := len(query) - 1
	var sets []map[string]bool
	for _, w := range query[:last] {
		es, err := s.entries(ctx, w)
		if err != nil {
			return nil, err
		}
		sets = append(sets, setOf(es))
	}
	inAll := func(raw string) bool {
		return !slices.ContainsFunc(sets, func(set map[string]bool) bool { return !set[raw] })
	}
	whole := strings.Join(query, " ")
	// candidates returns the positions of entries in every set, ranked.
	candidates := func(entries []string, rank customer.Rank) []customer.SearchPos {
		var out []customer.SearchPos
		for _, raw := range entries {
			e, ok := parseEntry(raw)
			if !ok || !inAll(raw) {
				continue
			}
			pos := customer.SearchPos{Rank: rank, Key: e.key, ID: e.id}
			if rank == customer.RankAllWords && e.key == whole {
				pos.Rank = customer.RankExactName
			}
			if after == nil || pos.Compare(*after) > 0 {
				out = append(out, pos)
			}
		}
		slices.SortFunc(out, customer.SearchPos.Compare)
		return out
	}
	var out []customer.Hit
	// fill appends the verified hits among cands until the page is full.
	fill := func(cands []customer.SearchPos) error {
		for _, pos := range cands {
			if len(out) == limit {
				return nil
			}
			if len(out) > 0 && out[len(out)-1].Pos == pos {
				continue // the same customer through an older entry
			}
			c, err := s.findActive(ctx, pos.ID)
			if err != nil {
				return err
			}
			// Only what the stored customer justifies: an entry left by an
			// interrupted or failed write, or by an earlier state, is skipped.
			if c == nil || c.SearchKey() != pos.Key {
				continue
			}
			if r, ok := customer.Match(query, c.IndexedWords(), c.SearchKey()); !ok || r != pos.Rank {
				continue
			}
			out = append(out, customer.Hit{Customer: c, Pos: pos})
		}
		return nil
	}
	exact, err := s.entries(ctx, query[last])
	if err != nil {
		return nil, err
	}
	if err := fill(candidates(exact, customer.RankAllWords)); err != nil || len(out) == limit {
		return out, err
	}
	more, err := s.expand(ctx, query[last])
	if err != nil {
		return nil, err
	}
	var begun []string
	for _, w := range more {
		es, err := s.entries(ctx, w)
		if err != nil {
			return nil, err
		}
		begun = append(begun, es...)
	}
	return out, fill(candidates(begun, customer.RankPrefix))
}

func setOf(es []string) map[string]bool {
	m := make(map[string]bool, len(es))
	for _, e := range es {
		m[e] = true
	}
	return m
}

// findActive returns the active customer id, or nil when it is not active
// or not there.
func (s *Store) findActive(ctx context.Context, id string) (*customer.Customer, error) {
	var c customer.Customer
	err := s.customers.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: feed.OutboxField, Value: 0}})).Decode(&c)
	if mongox.IsNotFound(err) {
		return nil, nil //nolint:nilnil // nil is "no active customer", as FindByContact's contract says
	}
	if err != nil {
		return nil, mongox.Wrap("get customer", err)
	}
	if c.State != customer.StateActive {
		return nil, nil //nolint:nilnil // the same: not active
	}
	return &c, nil
}

// FindByContact returns the active customer holding a contact key
// ("email:...", "phone:..."), or nil: one read of its claim by _id and one
// of the customer.
func (s *Store) FindByContact(ctx context.Context, key string) (*customer.Customer, error) {
	var cl claim
	err := s.claims.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&cl)
	if mongox.IsNotFound(err) {
		return nil, nil //nolint:nilnil // nil is "nobody holds the contact" (archive.Queries)
	}
	if err != nil {
		return nil, mongox.Wrap("read contact claim", err)
	}
	c, err := s.findActive(ctx, cl.CustomerID)
	if err != nil || c == nil || !slices.Contains(c.ContactKeys, key) {
		return nil, err
	}
	return c, nil
}

// BackfillSearch indexes the customers stored before the search index
// existed, once per database; it is safe to run on several replicas at
// once and after a crash.
func (s *Store) BackfillSearch(ctx context.Context) error {
	err := s.search.FindOne(ctx, bson.D{{Key: "_id", Value: backfillMarker}}).Err()
	if err == nil {
		return nil
	}
	if !mongox.IsNotFound(err) {
		return mongox.Wrap("read search backfill marker", err)
	}
	cur, err := s.customers.Find(ctx, bson.D{{Key: "state", Value: customer.StateActive}}, options.Find().SetProjection(bson.D{{Key: feed.OutboxField, Value: 0}}))
	if err != nil {
		return mongox.Wrap("backfill search", err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	for cur.Next(ctx) {
		var c customer.Customer
		if err := cur.Decode(&c); err != nil {
			return mongox.Wrap("backfill search", err)
		}
		if err := s.index(ctx, &c); err != nil {
			return fmt.Errorf("backfill search: %w", err)
		}
	}
	if err := cur.Err(); err != nil {
		return mongox.Wrap("backfill search", err)
	}
	_, err = s.search.InsertOne(ctx, bson.D{{Key: "_id", Value: backfillMarker}})
	if mongox.IsDuplicateKey(err) {
		return nil
	}
	return mongox.Wrap("record search backfill", err)
}

// Seed writes new customers and their search entries in bulk, with no
// events and no contact claims: a benchmark's fixture, written in one call
// on an empty database, not a use case.
func (s *Store) Seed(ctx context.Context, cs []*customer.Customer) error {
	words := map[string][]string{}
	prefixWords := map[string][]string{}
	docs := make([]document, 0, len(cs))
	for _, c := range cs {
		c.Version, c.SearchVersion = 1, 1
		docs = append(docs, document{Customer: *c, Outbox: []feed.Pending{}})
		e := entryOf(c)
		for _, w := range c.IndexedWords() {
			if _, seen := words[w]; !seen {
				for _, p := range prefixes(w) {
					prefixWords[p] = append(prefixWords[p], w)
				}
			}
			words[w] = append(words[w], e)
		}
	}
	for i := 0; i < len(docs); i += seedBatch {
		if err := mongox.InsertNew(ctx, s.customers, docs[i:min(i+seedBatch, len(docs))], "seed customers"); err != nil {
			return err
		}
	}
	index := make([]indexDoc, 0, len(words)+len(prefixWords)+1)
	for w, es := range words {
		index = append(index, indexDoc{ID: wordID(w), Entries: es, Words: []string{}, Prefixed: true})
	}
	for p, ws := range prefixWords {
		index = append(index, indexDoc{ID: prefixID(p), Entries: []string{}, Words: ws})
	}
	index = append(index, indexDoc{ID: backfillMarker, Entries: []string{}, Words: []string{}})
	for i := 0; i < len(index); i += seedBatch {
		if err := mongox.InsertNew(ctx, s.search, index[i:min(i+seedBatch, len(index))], "seed search index"); err != nil {
			return err
		}
	}
	return nil
}

const seedBatch = 1000
