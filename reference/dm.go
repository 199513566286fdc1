package reference

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
// too); route keys the rate limiter, which Rocket.Chat keeps per path.
func (s *Server) handleDMCreate(route string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me := s.authenticate(r)
		if me == nil {
			writeError(w, errUnauthorized)
			return
		}
		if !s.limit(w, r, route, me) {
			return
		}
		params, err := readParams(w, r)
		if err != nil {
			writeError(w, errTooLarge)
			return
		}
		branch, p, msg := validateOneOf(params, dmCreateSchema...)
		if msg != "" {
			writeError(w, invalidParams(msg))
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
			writeError(w, apiErr)
			return
		}
		writeJSON(w, http.StatusOK, dmResponse{Room: room, Success: true})
	}
}

// dmMember is an entry of createDirectMessage's member list: a resolved user,
// or a name containing "@" that did not resolve. Rocket.Chat keeps such a
// name for federation; createDirectRoom then retries it with the first "@"
// removed and drops it if that fails too.
type dmMember struct {
	user       *user
	unresolved string
}

// createDirectMessage mirrors Rocket.Chat's createDirectMessage method and
// createDirectRoom, check by check and in the same order.
func (s *Server) createDirectMessage(me *user, names []string, excludeSelf bool) (dmRoom, *apiError) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if s.store.users[me.id] != me {
		return dmRoom{}, errUnauthorized // deleted since authentication
	}

	// The self filter is exact and case-sensitive; the lookup is not.
	others := make([]dmMember, 0, len(names))
	for _, name := range names {
		if name == me.username {
			continue
		}
		if name == "" {
			// The lookup throws synchronously for an empty name, so this
			// error wins over any unknown-user error.
			return dmRoom{}, errEmptyName
		}
		others = append(others, dmMember{unresolved: name})
	}
	for i, m := range others {
		if u := s.store.userByUsernameFold(m.unresolved); u != nil {
			others[i] = dmMember{user: u}
		} else if !strings.Contains(m.unresolved, "@") {
			return dmRoom{}, errInvalidUser
		}
	}

	roomUsers := others
	if !excludeSelf {
		roomUsers = append([]dmMember{{user: me}}, others...)
	}
	if len(roomUsers) == 1 && roomUsers[0].user != nil && roomUsers[0].user != me {
		return dmRoom{}, errInvalidUser // excludeSelf with exactly one other user
	}
	if !me.can(permCreateDM) {
		return dmRoom{}, errNotAllowed
	}
	// Counts the caller (unless excludeSelf), duplicates and unresolved names.
	if len(roomUsers) > s.cfg.MaxUsers {
		return dmRoom{}, meteorError(http.StatusBadRequest, "error-direct-message-max-user-exceeded",
			"You cannot add more than "+strconv.Itoa(s.cfg.MaxUsers)+" users, including yourself to a direct message",
			methodDetails{"createDirectRoom"})
	}

	// createDirectRoom: members are looked up again by exact username, which
	// removes duplicates and unresolvable names.
	seen := make(map[*user]bool, len(roomUsers))
	members := make([]*user, 0, len(roomUsers))
	for _, m := range roomUsers {
		u := m.user
		if u == nil {
			u = s.store.byName[strings.Replace(m.unresolved, "@", "", 1)]
		}
		if u != nil && !seen[u] {
			seen[u] = true
			members = append(members, u)
		}
	}
	// MongoDB returns them in natural (insertion) order; ties in the name
	// sort keep that order.
	slices.SortFunc(members, func(a, b *user) int { return cmp.Compare(a.seq, b.seq) })
	room := s.store.directRoom(members)
	sortByDisplayName(members)
	usernames := make([]string, len(members))
	for i, m := range members {
		usernames[i] = m.username
	}
	return dmRoom{T: "d", Rid: room.id, Usernames: usernames, ID: room.id}, nil
}
