package reference

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rcconform/rcconform/conformance"
)

// dmCreateSchema is rest-typings' isDmCreateProps: oneOf these two branches.
var dmCreateSchema = []objectSchema{
	{
		properties: []property{{name: "usernames", typ: typeString}, {name: "excludeSelf", typ: typeBoolean}},
		required:   []string{"usernames"},
	},
	{
		properties: []property{{name: "username", typ: typeString}, {name: "excludeSelf", typ: typeBoolean}},
		required:   []string{"username"},
	},
}

type dmRoom struct {
	T         string   `json:"t"`
	Rid       string   `json:"rid"`
	Usernames []string `json:"usernames"`
	ID        string   `json:"_id"`
}

type dmResponse struct {
	Room    dmRoom `json:"room"`
	Success bool   `json:"success"`
}

// handleDMCreate serves dm.create and im.create (one handler in Rocket.Chat
// too); route keys the rate limiter, which Rocket.Chat keeps per path. The
// legacy route checks the rate limit, then the body; the typed route
// validates the body first and limits the rate in the action.
func (s *Server) handleDMCreate(route string) http.HandlerFunc {
	legacy := s.rel.route == conformance.Legacy
	return func(w http.ResponseWriter, r *http.Request) {
		me := s.authenticate(r)
		if me == nil {
			s.writeError(w, s.unauthorized())
			return
		}
		if legacy && !s.limit(w, r, route, me) {
			return
		}
		params, err := s.readParams(w, r)
		if err != nil {
			s.writeError(w, errTooLarge)
			return
		}
		branch, p, msg := validateOneOf(params, s.rel.coercion == conformance.Coerce, dmCreateSchema...)
		if msg != "" {
			if legacy {
				s.writeError(w, invalidParams(msg))
			} else {
				s.writeError(w, typedInvalidParams(msg))
			}
			return
		}
		if !legacy && !s.limit(w, r, route, me) {
			return
		}
		var names []string
		if branch == 1 {
			names = []string{p["username"].(string)} // not trimmed
		} else {
			names = strings.Split(p["usernames"].(string), ",")
			for i, n := range names {
				names[i] = jsTrim(n)
			}
		}
		excludeSelf, _ := p["excludeSelf"].(bool)
		room, apiErr := s.createDirectMessage(me, names, excludeSelf)
		if apiErr != nil {
			s.writeError(w, apiErr)
			return
		}
		s.writeJSON(w, http.StatusOK, dmResponse{Room: room, Success: true})
	}
}

// createDirectMessage mirrors Rocket.Chat's createDirectMessage method and
// createDirectRoom, check by check and in the same order: the names are
// resolved as the release does (names), then the room is found or created
// with the release's kind of 1:1 rid (one-to-one-rid).
func (s *Server) createDirectMessage(me *user, names []string, excludeSelf bool) (dmRoom, *apiError) {
	members := s.exactRoomMembers
	if s.rel.names == conformance.Lookup {
		members = s.lookupRoomMembers
	}
	users, apiErr := members(me, names, excludeSelf)
	if apiErr != nil {
		return dmRoom{}, apiErr
	}
	return s.directRoom(users, s.rel.rid == conformance.Composed)
}

// dmMember is an entry of createDirectMessage's member list when names are
// looked up: a resolved user, or a name that was not resolved. A name
// containing "@" that does not resolve is kept for federation;
// createDirectRoom then retries it with the first "@" removed and drops it
// if that fails too.
type dmMember struct {
	user       *user
	unresolved string
}

// lookupRoomMembers runs the checks of createDirectMessage where each name
// is looked up on its own, ignoring case (names=lookup), under the store's
// read lock, and returns the members createDirectRoom finds.
func (s *Server) lookupRoomMembers(me *user, names []string, excludeSelf bool) ([]*user, *apiError) {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	if s.store.users[me.id] != me {
		return nil, s.unauthorized() // deleted since authentication
	}
	// The self filter is exact and case-sensitive; the lookup is not.
	others := make([]dmMember, 0, len(names))
	for _, name := range names {
		if name == me.username {
			continue
		}
		if name == "" && s.rel.emptyName == conformance.InvalidName {
			// The lookup throws synchronously for an empty name, so this
			// error wins over any unknown-user error.
			return nil, errEmptyName
		}
		others = append(others, dmMember{unresolved: name})
	}
	for i, m := range others {
		// An empty name finds nobody, not even an admin whose configured
		// username folds to the same collation key as "" (e.g. "\u00ad").
		if u := s.store.userByUsernameFold(m.unresolved); u != nil && m.unresolved != "" {
			others[i] = dmMember{user: u}
		} else if !strings.Contains(m.unresolved, "@") {
			return nil, errInvalidUser
		}
	}
	roomUsers := others
	if !excludeSelf {
		roomUsers = append([]dmMember{{user: me}}, others...)
	}
	if len(roomUsers) == 1 && roomUsers[0].user != nil && roomUsers[0].user != me {
		return nil, errInvalidUser // excludeSelf with exactly one other user
	}
	if !me.can(permCreateDM) {
		return nil, errNotAllowed
	}
	// Counts the caller (unless excludeSelf), duplicates and unresolved names.
	if len(roomUsers) > s.cfg.MaxUsers {
		return nil, s.maxUsersExceeded()
	}
	// createDirectRoom: members are looked up again by exact username, which
	// removes duplicates and unresolvable names.
	memberNames := make([]string, len(roomUsers))
	for i, m := range roomUsers {
		if m.user != nil {
			memberNames[i] = m.user.username
		} else {
			memberNames[i] = strings.Replace(m.unresolved, "@", "", 1)
		}
	}
	return s.store.usersByNames(memberNames), nil
}

// exactRoomMembers runs the checks of createDirectMessage where names are
// not looked up one by one (names=exact), under the store's read lock:
// createDirectRoom matches them exactly and together, leaving out the ones
// that match nobody and the empty ones (empty-name=dropped).
func (s *Server) exactRoomMembers(me *user, names []string, excludeSelf bool) ([]*user, *apiError) {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	if s.store.users[me.id] != me {
		return nil, s.unauthorized() // deleted since authentication
	}
	roomUsers := make([]string, 0, len(names)+1)
	if !excludeSelf {
		roomUsers = append(roomUsers, me.username)
	}
	for _, name := range names {
		if name != me.username { // exact and case-sensitive
			roomUsers = append(roomUsers, name)
		}
	}
	if !me.can(permCreateDM) {
		return nil, errNotAllowed
	}
	// Counts the caller (unless excludeSelf) and every name given, empty
	// ones too: createDirectRoom filters those out only after this check.
	if len(roomUsers) > s.cfg.MaxUsers {
		return nil, s.maxUsersExceeded()
	}
	// No stored username is empty, so matching leaves empty names out as
	// createDirectRoom's filter(isTruthy) does.
	return s.store.usersByNames(roomUsers), nil
}

// maxUsersExceeded is the member-limit error of the emulated release.
func (s *Server) maxUsersExceeded() *apiError {
	if s.rel.maxUsers == conformance.PlainError {
		return plainError(http.StatusBadRequest, "error-direct-message-max-user-exceeded")
	}
	return meteorError(http.StatusBadRequest, "error-direct-message-max-user-exceeded",
		"You cannot add more than "+strconv.Itoa(s.cfg.MaxUsers)+" users, including yourself to a direct message",
		methodDetails{"createDirectRoom"})
}

// raceWindow is how long a racy creation waits between its look-up and its
// insert, standing in for the database round trips in between.
const raceWindow = 5 * time.Millisecond

// directRoom finds or creates the room of these members and answers it,
// usernames sorted by display name. members are in insertion order, as
// usersByNames returns them, and are sorted in place. composed says whether
// a 1:1 room's id is its members' sorted ids joined rather than generated.
func (s *Server) directRoom(members []*user, composed bool) (dmRoom, *apiError) {
	var room *room
	if s.cfg.RacyCreation {
		// Released Rocket.Chat looks the room up, then inserts it.
		found := s.store.findRoom(members, composed)
		if found == nil {
			time.Sleep(raceWindow)
			var dup string
			if found, dup = s.store.insertRoom(members, composed); dup != "" {
				return dmRoom{}, plainError(http.StatusBadRequest,
					`E11000 duplicate key error collection: rocketchat.rocketchat_room index: _id_ dup key: { _id: "`+dup+`" }`)
			}
		}
		room = found
	} else {
		room = s.store.findOrInsertRoom(members, composed)
	}
	// MongoDB returns the members in natural (insertion) order, as
	// usersByNames does; ties in the stable name sort keep that order.
	sortByDisplayName(members)
	usernames := make([]string, len(members))
	for i, m := range members {
		usernames[i] = m.username
	}
	return dmRoom{T: "d", Rid: room.id, Usernames: usernames, ID: room.id}, nil
}
