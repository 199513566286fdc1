package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// User is a user on one server, under the key both servers share (a
// persona of personas.yaml, "fresh1", "server-admin", ...).
type User struct {
	Key      string
	ID       string
	Username string
	Token    string
}

// Known is what a Normaliser knows of one server.
type Known struct {
	Users []User
	// RunID is the run-unique part of the usernames made on this server
	// ("rcc-<RunID>-<key>").
	RunID string
}

// Normaliser rewrites one server's values as placeholders:
//
//   - a user's id becomes {key.id}, their username {key}, their token
//     {key.token}; in upper case {KEY.ID}, in another case {key.id~case};
//   - a string made of several user ids says whether they are sorted:
//     {ids of caller,peer sorted}, {ids of caller,peer reverse-sorted};
//   - a value at an id key (rid, _id, ...) that is no known id is a new id,
//     named after where it first appeared: {new id from OK-GROUP#1}, and
//     stays that wherever it comes back;
//   - dates become {time}.
//
// It is stateful, so one server's answers must be given in the order of the
// run, the same order as the other server's.
type Normaliser struct {
	runID    string
	learnt   map[string]bool   // values already learnt
	ids      []User            // users with an id, longest id first
	exact    map[string]string // whole values: usernames that are common words
	subs     []sub             // substrings, longest first
	fresh    map[string]string // new ids → placeholder
	perPlace map[string]int    // where → new ids named there
}

type sub struct {
	from, to string
	// fold matches ASCII letters in any case; the placeholder then says
	// which: {KEY} for upper case, {key~case} for another.
	fold bool
}

// runPrefix is how the harness prefixes run-unique usernames.
const runPrefix = "rcc-"

// NewNormaliser prepares the placeholders of one server's known values.
func NewNormaliser(k Known) *Normaliser {
	n := &Normaliser{exact: map[string]string{}, fresh: map[string]string{}, perPlace: map[string]int{}, learnt: map[string]bool{}}
	n.Learn(k)
	return n
}

// Learn adds values that became known since: users provisioned during the
// run. Users already known are kept as they were.
func (n *Normaliser) Learn(k Known) {
	if n.runID == "" && k.RunID != "" {
		n.runID = k.RunID
		// Names the harness derives without creating a user ("nobody").
		n.subs = append(n.subs, sub{from: runPrefix + k.RunID + "-", to: runPrefix + "{run}-"})
	}
	for _, u := range k.Users {
		if u.ID != "" && !n.learnt[u.ID] {
			n.ids = append(n.ids, u)
			if u.ID != u.Username {
				n.subs = append(n.subs, sub{from: u.ID, to: "{" + u.Key + ".id}", fold: true})
			}
		}
		if u.Token != "" && !n.learnt[u.Token] {
			n.subs = append(n.subs, sub{from: u.Token, to: "{" + u.Key + ".token}", fold: true})
		}
		switch {
		case u.Username == "" || n.learnt[u.Username]:
		case n.runID != "" && strings.Contains(u.Username, n.runID):
			n.subs = append(n.subs, sub{from: u.Username, to: "{" + u.Key + "}", fold: true})
		default:
			// A name like "admin" is a word too: only a whole value is the user.
			n.exact[u.Username] = "{" + u.Key + "}"
		}
		for _, v := range []string{u.ID, u.Token, u.Username} {
			if v != "" {
				n.learnt[v] = true
			}
		}
	}
	slices.SortStableFunc(n.ids, func(a, b User) int { return len(b.ID) - len(a.ID) })
	n.sortSubs()
}

func (n *Normaliser) sortSubs() {
	slices.SortStableFunc(n.subs, func(a, b sub) int { return len(b.from) - len(a.from) })
}

// isoTime matches the dates Rocket.Chat sends (JSON.stringify of a Date).
var isoTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$`)

// String normalises one string value.
func (n *Normaliser) String(s string) string {
	if s == "" {
		return s
	}
	if p, ok := n.exact[s]; ok {
		return p
	}
	if p, ok := n.fresh[s]; ok {
		return p
	}
	if p, ok := n.composed(s); ok {
		return p
	}
	if isoTime.MatchString(s) {
		return "{time}"
	}
	for _, r := range n.subs {
		s = replace(s, r)
	}
	return s
}

// composed names a string made wholly of known user ids.
func (n *Normaliser) composed(s string) (string, bool) {
	parts := n.split(s, 0)
	if len(parts) == 0 {
		return "", false
	}
	if len(parts) == 1 {
		return "{" + parts[0].Key + ".id}", true
	}
	ids := make([]string, len(parts))
	keys := make([]string, len(parts))
	for i, u := range parts {
		ids[i], keys[i] = u.ID, u.Key
	}
	sorted := slices.Sorted(slices.Values(ids))
	slices.Sort(keys)
	switch {
	case slices.Equal(ids, sorted):
		return "{ids of " + strings.Join(keys, ",") + " sorted}", true
	case slices.Equal(ids, reversed(sorted)):
		return "{ids of " + strings.Join(keys, ",") + " reverse-sorted}", true
	}
	var b strings.Builder
	for _, u := range parts {
		b.WriteString("{" + u.Key + ".id}")
	}
	return b.String(), true
}

// split cuts s into known ids, or returns nil. At most 16 ids are tried in
// a row (a DM holds far fewer), which bounds the search.
func (n *Normaliser) split(s string, depth int) []User {
	if depth > 16 {
		return nil
	}
	for _, u := range n.ids {
		rest, ok := strings.CutPrefix(s, u.ID)
		if !ok {
			continue
		}
		if rest == "" {
			return []User{u}
		}
		if tail := n.split(rest, depth+1); tail != nil {
			return append([]User{u}, tail...)
		}
	}
	return nil
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// replace substitutes r in s; a folded match says which case it had.
func replace(s string, r sub) string {
	if !r.fold {
		return strings.ReplaceAll(s, r.from, r.to)
	}
	var b strings.Builder
	for {
		i := indexFold(s, r.from)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		got := s[i : i+len(r.from)]
		b.WriteString(s[:i])
		switch got {
		case r.from:
			b.WriteString(r.to)
		case strings.ToUpper(r.from):
			b.WriteString(strings.ToUpper(r.to))
		default:
			b.WriteString(strings.TrimSuffix(r.to, "}") + "~case}")
		}
		s = s[i+len(r.from):]
	}
}

// indexFold is strings.Index ignoring the case of ASCII letters.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// idKey reports whether a JSON key holds ids, so that an unknown value
// there is a new id rather than text.
func idKey(k string) bool {
	switch k {
	case "_id", "id", "rid", "uids", "roomId", "userId":
		return true
	}
	return strings.HasSuffix(k, "Id") || strings.HasSuffix(k, "_id")
}

// idLike matches what servers make ids of: Meteor ids, ObjectIds, UUIDs.
var idLike = regexp.MustCompile(`^[A-Za-z0-9_.-]{8,}$`)

// register names a new id after where it first appeared.
func (n *Normaliser) register(where, id string) string {
	n.perPlace[where]++
	p := "{new id from " + where + "}"
	if c := n.perPlace[where]; c > 1 {
		p = fmt.Sprintf("{new id %d from %s}", c, where)
	}
	n.fresh[id] = p
	n.subs = append(n.subs, sub{from: id, to: p})
	n.sortSubs()
	return p
}

// Body normalises an answer's body; where names the exchange for the new
// ids it holds, e.g. "OK-GROUP#1". A JSON body comes back as canonical
// JSON (keys sorted), with a top-level "stack" dropped: Rocket.Chat adds
// one to errors in TEST_MODE, and it says nothing about the behaviour
// (the checks ignore it too). Any other body comes back as normalised text.
func (n *Normaliser) Body(where string, body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return ""
	}
	v, ok := decode(string(body))
	if !ok {
		return n.String(string(body))
	}
	if m, ok := v.(map[string]any); ok {
		if _, isText := m["stack"].(string); isText {
			delete(m, "stack")
		}
	}
	return canonical(n.value(where, "", v))
}

func (n *Normaliser) value(where, key string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		// Sorted, so that both servers meet new ids in the same order.
		for _, k := range slices.Sorted(maps.Keys(t)) {
			t[k] = n.value(where, k, t[k])
		}
		return t
	case []any:
		for i := range t {
			t[i] = n.value(where, key, t[i])
		}
		return t
	case string:
		out := n.String(t)
		if out == t && idKey(key) && idLike.MatchString(t) {
			out = n.register(where, t)
		}
		return out
	}
	return v
}

// canonical encodes a decoded JSON value with sorted keys, unescaped.
func canonical(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Decoded JSON always encodes again.
		panic(fmt.Sprintf("diff: re-encode a decoded body: %v", err))
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
