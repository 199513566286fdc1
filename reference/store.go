package reference

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// maxTokensPerUser bounds the stored login tokens of one user; the oldest is
// dropped first. Rocket.Chat expires tokens by age instead, which a
// short-lived reference server never reaches.
const maxTokensPerUser = 512

type email struct {
	Address  string `json:"address"`
	Verified bool   `json:"verified"`
}

// user is a stored account. Every field except tokens is fixed at creation;
// tokens is guarded by store.mu.
type user struct {
	id                    string
	username              string
	name                  string
	emails                []email
	roles                 []string
	active                bool
	requirePasswordChange bool
	createdAt             time.Time
	password              *passwordHash // nil: cannot log in (e.g. rocket.cat)
	tokens                []string      // base64(sha256(token)), as Meteor stores them
	seq                   uint64        // insertion order, standing in for MongoDB's natural order
}

// displayName is what Rocket.Chat sorts DM members by: name, else username.
func (u *user) displayName() string {
	if u.name != "" {
		return u.name
	}
	return u.username
}

func (u *user) can(p permission) bool {
	for _, r := range u.roles {
		if rolePermissions[r][p] {
			return true
		}
	}
	return false
}

type room struct {
	id   string
	uids []string // distinct, sorted
}

// store holds all state in memory behind one lock.
type store struct {
	mu        sync.RWMutex
	users     map[string]*user // by _id
	byFold    map[string]*user // by case-insensitive username key
	byName    map[string]*user // by exact username
	byEmail   map[string]*user // by lower-cased address
	rooms     map[string]*room // by _id
	roomBySet map[string]*room // rooms found by member set: the first of each set
	seq       uint64
}

func newStore() *store {
	return &store{
		users:     map[string]*user{},
		byFold:    map[string]*user{},
		byName:    map[string]*user{},
		byEmail:   map[string]*user{},
		rooms:     map[string]*room{},
		roomBySet: map[string]*room{},
	}
}

// insertUser stores u unless its username or an email is taken; it returns
// the field that is taken ("" on success). Callers hold s.mu.
func (s *store) insertUser(u *user) (taken string) {
	if s.byFold[foldKey(u.username)] != nil {
		return u.username
	}
	for _, e := range u.emails {
		if s.byEmail[strings.ToLower(e.Address)] != nil {
			return e.Address
		}
	}
	s.seq++
	u.seq = s.seq
	s.users[u.id] = u
	s.byFold[foldKey(u.username)] = u
	s.byName[u.username] = u
	for _, e := range u.emails {
		s.byEmail[strings.ToLower(e.Address)] = u
	}
	return ""
}

// deleteUser removes u and, with it, all of its login tokens. Callers hold s.mu.
func (s *store) deleteUser(u *user) {
	delete(s.users, u.id)
	delete(s.byFold, foldKey(u.username))
	delete(s.byName, u.username)
	for _, e := range u.emails {
		delete(s.byEmail, strings.ToLower(e.Address))
	}
}

// userByUsernameFold is Users.findOneByUsernameIgnoringCase: MongoDB collation
// {locale: 'en', strength: 2}. Callers hold s.mu.
func (s *store) userByUsernameFold(name string) *user {
	return s.byFold[foldKey(name)]
}

// userByToken returns the user with this _id whose stored token hashes
// include hashed; the comparison is constant-time over all stored hashes.
func (s *store) userByToken(id, hashed string) *user {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[id]
	if u == nil {
		return nil
	}
	found := 0
	for _, t := range u.tokens {
		found |= subtle.ConstantTimeCompare([]byte(t), []byte(hashed))
	}
	if found == 0 {
		return nil
	}
	return u
}

func (s *store) addToken(u *user, hashed string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(u.tokens) >= maxTokensPerUser {
		u.tokens = slices.Delete(u.tokens, 0, len(u.tokens)-maxTokensPerUser+1)
	}
	u.tokens = append(u.tokens, hashed)
}

// usersByNames is Users.findUsersByUsernames: the users whose usernames
// are exactly among names, each once, in insertion order (MongoDB's natural
// order). No stored username is empty, so "" finds nobody. Callers hold s.mu.
func (s *store) usersByNames(names []string) []*user {
	var out []*user
	for _, n := range names {
		if u := s.byName[n]; u != nil && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *user) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// roomKey is where a room of these members is found: with composed, a pair
// is found by its id, the sorted ids joined (one-to-one-rid=composed); any
// other member set, and every set with generated rids, by the set itself
// ({uids: {$size, $all}}).
func roomKey(members []*user, composed bool) (uids []string, id, set string) {
	uids = make([]string, len(members))
	for i, m := range members {
		uids[i] = m.id
	}
	slices.Sort(uids)
	if composed && len(uids) == 2 {
		return uids, uids[0] + uids[1], ""
	}
	return uids, "", strings.Join(uids, "\x00")
}

// findRoom returns the room of exactly these members, or nil.
func (s *store) findRoom(members []*user, composed bool) *room {
	_, id, set := roomKey(members, composed)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.roomByKey(id, set)
}

// insertRoom inserts a room of these members. A composed id that is taken
// is MongoDB's duplicate key, returned as dup; a member set may get several
// rooms (the uids index is not unique), of which look-ups find the first.
func (s *store) insertRoom(members []*user, composed bool) (r *room, dup string) {
	uids, id, set := roomKey(members, composed)
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" && s.rooms[id] != nil {
		return nil, id
	}
	return s.addRoom(uids, id, set), ""
}

// findOrInsertRoom finds or creates the room of exactly these members in
// one step, so that concurrent creations of one member set yield one room.
func (s *store) findOrInsertRoom(members []*user, composed bool) *room {
	uids, id, set := roomKey(members, composed)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.roomByKey(id, set); r != nil {
		return r
	}
	return s.addRoom(uids, id, set)
}

// roomByKey is the room found under roomKey's id, or its set when id is
// empty; nil when there is none. Callers hold s.mu.
func (s *store) roomByKey(id, set string) *room {
	if id != "" {
		return s.rooms[id]
	}
	return s.roomBySet[set]
}

// addRoom stores a new room of uids under the composed id, or a generated
// one when id is empty; the room becomes its set's unless the set has one
// already. The composed id must be free. Callers hold s.mu for writing.
func (s *store) addRoom(uids []string, id, set string) *room {
	if id != "" {
		r := &room{id: id, uids: uids}
		s.rooms[id] = r
		return r
	}
	r := &room{id: newObjectID(), uids: uids}
	s.rooms[r.id] = r
	if s.roomBySet[set] == nil {
		s.roomBySet[set] = r
	}
	return r
}

// folder computes collation keys; its 4 KiB buffer is reused between calls.
type folder struct {
	c   *collate.Collator
	buf collate.Buffer
}

// Collators are not safe for concurrent use, so each goroutine borrows one.
var (
	folders = sync.Pool{New: func() any {
		// IgnoreCase drops the tertiary level: MongoDB's strength 2.
		return &folder{c: collate.New(language.English, collate.IgnoreCase)}
	}}
	sortCollators = sync.Pool{New: func() any {
		return collate.New(language.English)
	}}
)

// foldKey is a key equal for exactly the names that compare equal under the
// English collation at strength 2 (case-insensitive, accent-sensitive).
func foldKey(s string) string {
	f := folders.Get().(*folder)
	defer folders.Put(f)
	f.buf.Reset()
	return string(f.c.KeyFromString(&f.buf, s))
}

// sortByDisplayName orders users like
// (a.name || a.username).localeCompare(b.name || b.username) in Node's
// default English locale; the sort is stable like Array.prototype.sort.
func sortByDisplayName(users []*user) {
	c := sortCollators.Get().(*collate.Collator)
	defer sortCollators.Put(c)
	slices.SortStableFunc(users, func(a, b *user) int {
		return c.CompareString(a.displayName(), b.displayName())
	})
}

// idAlphabet is Meteor's UNMISTAKABLE_CHARS, the alphabet of Random.id.
const idAlphabet = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"

// newUserID returns a 17-character id like Meteor's Random.id().
func newUserID() string {
	const n = 17
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		rand.Read(buf[:]) // crypto/rand.Read never fails; it aborts the program instead
		for _, b := range buf {
			// Reject the top bytes so that b % 55 is uniform.
			if int(b) < 256-256%len(idAlphabet) && len(out) < n {
				out = append(out, idAlphabet[int(b)%len(idAlphabet)])
			}
		}
	}
	return string(out)
}

var (
	objectIDCounter atomic.Uint32
	objectIDProcess = func() (p [5]byte) { rand.Read(p[:]); return p }()
)

// newObjectID returns a MongoDB ObjectId as 24 lower-case hex characters:
// seconds, a per-process random value and a counter.
func newObjectID() string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(time.Now().Unix()))
	copy(b[4:9], objectIDProcess[:])
	c := objectIDCounter.Add(1)
	b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
	return hex.EncodeToString(b[:])
}
