package customer

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Letters that Unicode does not decompose into a base letter and a mark,
// folded the way a person typing without them would write them.
var foldSpecial = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d", 'þ': "th",
	'ł': "l", 'ı': "i", 'ħ': "h", 'ŋ': "n", 'ſ': "s",
}

// SearchWords splits s into the words search matches: lower-case, accents
// removed ("Müller" and "MULLER" are both "muller"), split at anything that
// is not a letter or a digit, except apostrophes, which join ("O'Brien" is
// "obrien").
func SearchWords(s string) []string {
	var words []string
	var b strings.Builder
	end := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
			if f, ok := foldSpecial[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(r)
			}
		default:
			end()
		}
	}
	end()
	return words
}

// SearchKey is the folded display name, words joined by one space: what
// search results are ordered by after their rank.
func (c *Customer) SearchKey() string {
	return strings.Join(SearchWords(c.DisplayName), " ")
}

// IndexedWords returns the distinct words of the display and legal names
// that search finds the customer by, sorted; none unless the customer is
// active (deleted, merged and erased customers are never found).
func (c *Customer) IndexedWords() []string {
	if c.State != StateActive {
		return nil
	}
	w := append(SearchWords(c.DisplayName), SearchWords(c.LegalName)...)
	slices.Sort(w)
	return slices.Compact(w)
}

// Rank orders search results: a lower rank comes first.
type Rank int

// Ranks.
const (
	// RankExactName: the query is the whole display name.
	RankExactName Rank = iota
	// RankAllWords: every word of the query is a whole word of the name.
	RankAllWords
	// RankPrefix: the query's last word begins a word of the name.
	RankPrefix
)

// Match reports whether a customer with the given indexed words and search
// key matches the query words, and with which rank. Every query word must
// be a word of the name; the last may be the beginning of one, so that a
// name is found while it is being typed.
func Match(query []string, words []string, key string) (Rank, bool) {
	if len(query) == 0 {
		return 0, false
	}
	last := len(query) - 1
	for _, q := range query[:last] {
		if _, ok := slices.BinarySearch(words, q); !ok {
			return 0, false
		}
	}
	switch {
	case strings.Join(query, " ") == key:
		return RankExactName, true
	case slices.Contains(words, query[last]):
		return RankAllWords, true
	case slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, query[last]) }):
		return RankPrefix, true
	}
	return 0, false
}
