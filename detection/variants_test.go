package detection

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/oracle"
)

// show makes a server show variant v along dimension dim whatever the
// reference behind it emulates (base): the broken servers that report a
// release and answer along one dimension as a release of another line does,
// or as no release does together with the server's other variants. Each
// changes what tells the variants apart and nothing else, so that the
// checks of other dimensions still see the reference. maxUsers is the
// server's member limit.
func show(dim, v string, base variants, maxUsers int) wrapper {
	switch dim {
	case conformance.DimUnauthorized:
		return showUnauthorized(v)
	case conformance.DimBodyParser:
		if v == conformance.StrictParser {
			return showStrictParser()
		}
		return showLenientParser()
	case conformance.DimBodyShape:
		if v == conformance.Spread {
			return showSpread()
		}
		return showAsParsed()
	case conformance.DimFormBody:
		if v == conformance.FormUnparsed {
			return showFormsUnparsed()
		}
		return showFormsParsed()
	case conformance.DimRoute:
		return showRoute(v)
	case conformance.DimNames:
		if v == conformance.Exact {
			return showExactNames(maxUsers)
		}
		return showLookedUpNames()
	case conformance.DimRID:
		if v == conformance.Composed {
			return showComposedRID()
		}
		return showGeneratedRID()
	case conformance.DimCoercion:
		if v == conformance.NoCoercion {
			return showNoCoercion()
		}
	case conformance.DimEmptyName:
		return showEmptyName(v)
	case conformance.DimMaxUsers:
		return showMaxUsers(v, maxUsers)
	}
	panic(fmt.Sprintf("detection: no server shows %s=%s over %s", dim, v, describeVariants(base)))
}

// showable reports whether show can make a server show dim=v.
func showable(dim, v string) bool {
	return !(dim == conformance.DimCoercion && v == conformance.Coerce)
}

// showUnauthorized answers 401 with the variant's body, and puts the CORS
// headers Restivus adds on every JSON answer where the variant is Restivus
// (and takes them off where it is not).
func showUnauthorized(v string) wrapper {
	return onAnswer(func(_ *call, a *answer) {
		if a.Status == http.StatusUnauthorized {
			a.Header.Set("Content-Type", "application/json")
			a.Body = []byte(body401(v))
		}
		if !strings.HasPrefix(a.Header.Get("Content-Type"), "application/json") {
			return
		}
		if v == conformance.Restivus {
			setRestivusHeaders(a.Header)
		} else {
			a.Header.Del("Access-Control-Allow-Origin")
			a.Header.Del("Access-Control-Allow-Headers")
		}
	})
}

// jsonValue parses a body as JSON.parse does: one value, nothing after it.
func jsonValue(b []byte) (any, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	return v, true
}

// scalar reports whether a parsed JSON value is neither object nor array.
func scalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

// jsonMedia is type-is's "json" (what the strict parser reads): the media
// type, case ignored, application/json or application/*+json.
func jsonMedia(contentType string) bool {
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return media == "application/json" || strings.HasPrefix(media, "application/") && strings.HasSuffix(media, "+json")
}

// showStrictParser refuses, before anything else, a JSON body that does
// not parse or is no object or array with the parser's own HTML page.
func showStrictParser() wrapper {
	return onDM(func(c *call) *answer {
		if jsonMedia(c.r.Header.Get("Content-Type")) && len(c.body) > 0 {
			if v, ok := jsonValue(c.body); !ok || scalar(v) {
				return htmlBadRequest()
			}
		}
		return c.forward()
	})
}

// showLenientParser reads a JSON body in the route, after authentication:
// one that does not parse is {}, a top-level scalar is validated as the
// server shapes it.
func showLenientParser() wrapper {
	return onDM(func(c *call) *answer {
		if !strings.Contains(c.r.Header.Get("Content-Type"), "application/json") || len(c.body) == 0 {
			return c.forward()
		}
		v, ok := jsonValue(c.body)
		switch {
		case !ok:
			return c.forwardWith("application/json", []byte(`{}`))
		case !scalar(v):
			return c.forward()
		case !c.authenticated():
			return c.forwardWith("application/json", []byte(`{}`)) // the 401
		}
		if c.tr.is(conformance.DimBodyShape, conformance.Spread) {
			v = spreadJS(v)
		}
		return c.tr.invalidParams(oracle.Message(dmBranches(), v, c.coerce()))
	})
}

// showSpread spreads a top-level JSON scalar into an object before the
// route validates it.
func showSpread() wrapper {
	return onDM(func(c *call) *answer {
		if strings.Contains(c.r.Header.Get("Content-Type"), "application/json") {
			if v, ok := jsonValue(c.body); ok && scalar(v) {
				return c.forwardWith("application/json", encode(spreadJS(v)))
			}
		}
		return c.forward()
	})
}

// showAsParsed validates a top-level JSON scalar as it is.
func showAsParsed() wrapper {
	return onDM(func(c *call) *answer {
		if strings.Contains(c.r.Header.Get("Content-Type"), "application/json") {
			if v, ok := jsonValue(c.body); ok && scalar(v) && c.authenticated() {
				return c.tr.invalidParams(oracle.Message(dmBranches(), v, c.coerce()))
			}
		}
		return c.forward()
	})
}

// isForm reports whether the request says its body is a form.
func (c *call) isForm() bool {
	return strings.Contains(strings.ToLower(c.r.Header.Get("Content-Type")), "application/x-www-form-urlencoded")
}

// showFormsUnparsed reads a form as text, as 7.6.0–7.6.1's router does.
func showFormsUnparsed() wrapper {
	return onDM(func(c *call) *answer {
		if c.isForm() {
			return c.forwardWith("text/plain", c.body)
		}
		return c.forward()
	})
}

// showFormsParsed parses a form into the same keys in JSON (string values).
func showFormsParsed() wrapper {
	return onDM(func(c *call) *answer {
		if c.isForm() {
			return c.forwardWith("application/json", encode(parseForm(c.body)))
		}
		return c.forward()
	})
}

// showRoute words invalid-params as the route does: with the legacy
// route's suffix, or without it.
func showRoute(v string) wrapper {
	return onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
		e := strings.TrimSuffix(str(m["error"]), legacySuffix)
		if v == conformance.Legacy {
			e += legacySuffix
		}
		m["error"] = e
	})
}

// guest reports whether the learner saw the user get the guest role, who
// lacks create-d.
func (p *person) guest() bool { return slices.Contains(p.Roles, "guest") }

// showExactNames matches names exactly and together over a server that
// looks them up: the permission and the member count come first, names
// that match nobody exactly are left out, and excludeSelf with one other
// user opens that user's own room. Empty names are left to the server, so
// that only the names dimension changes.
func showExactNames(maxUsers int) wrapper {
	return onDM(func(c *call) *answer {
		me := c.caller()
		if me == nil || !c.valid() || !c.authenticated() {
			return c.forward()
		}
		names, exclude := c.names(), c.excludeSelf()
		var room, kept []string
		if !exclude {
			room = append(room, me.Username)
		}
		for _, n := range names {
			if n == me.Username {
				continue
			}
			if n == "" {
				return c.forward()
			}
			room = append(room, n)
			if p := c.tr.name(n); p != nil && p.Username == n && !slices.Contains(kept, n) {
				kept = append(kept, n)
			}
		}
		switch {
		case me.guest():
			return c.tr.reply(http.StatusBadRequest, notAllowedBody)
		case len(room) > maxUsers:
			return c.tr.maxUsers(maxUsers)
		case exclude && len(kept) == 1:
			return c.asUser(c.tr.name(kept[0]))
		case len(kept) == 0 && !exclude:
			return c.forwardWith("application/json", encode(map[string]any{"username": me.Username}))
		case len(kept) == 0:
			return c.forward()
		}
		body := map[string]any{"usernames": strings.Join(kept, ",")}
		if exclude {
			body["excludeSelf"] = true
		}
		return c.forwardWith("application/json", encode(body))
	})
}

// asUser answers the room of p alone: p's own self-DM, asked for as p.
func (c *call) asUser(p *person) *answer {
	if p == nil {
		return c.forward()
	}
	if p.Token == "" {
		rid := newRid()
		return c.tr.reply(http.StatusOK, string(encode(map[string]any{
			"room": map[string]any{"t": "d", "rid": rid, "usernames": []any{p.Username}, "_id": rid}, "success": true})))
	}
	r := c.r.Clone(c.r.Context())
	r.Header.Set("X-User-Id", p.ID)
	r.Header.Set("X-Auth-Token", p.Token)
	body := encode(map[string]any{"username": p.Username})
	return (&call{r: r, body: body, next: c.next, tr: c.tr}).forwardWith("application/json", body)
}

// showLookedUpNames looks each name up on its own, ignoring case, over a
// server that matches them exactly: a name that finds nobody (and has no
// "@") is refused with Invalid User before the permission and the member
// count, as is excludeSelf with one other user; found names go on as
// stored. Empty names are left to the server.
func showLookedUpNames() wrapper {
	return onDM(func(c *call) *answer {
		me := c.caller()
		if me == nil || !c.valid() || !c.authenticated() {
			return c.forward()
		}
		exclude := c.excludeSelf()
		var others []string
		found := 0
		for _, n := range c.names() {
			if n == me.Username {
				continue
			}
			p := c.tr.name(n)
			switch {
			case n == "" || p == nil && strings.Contains(n, "@"):
				others = append(others, n)
			case p == nil:
				return c.tr.reply(http.StatusBadRequest, invalidUserBody)
			default:
				others = append(others, p.Username)
				found++
			}
		}
		if exclude && len(others) == 1 && found == 1 {
			return c.tr.reply(http.StatusBadRequest, invalidUserBody)
		}
		body := map[string]any{"usernames": strings.Join(others, ",")}
		if len(others) == 0 {
			body = map[string]any{"username": me.Username}
		}
		if exclude {
			body["excludeSelf"] = true
		}
		return c.forwardWith("application/json", encode(body))
	})
}

// showComposedRID gives every 1:1 room the rid composed of its members'
// ids.
func showComposedRID() wrapper {
	return onRoom(func(c *call, room map[string]any) {
		if ids, ok := userIDs(c.tr, members(room)); ok && len(ids) == 2 {
			setRid(room, strings.Join(ids, ""))
		}
	})
}

// showGeneratedRID gives every 1:1 room a generated rid, the same for the
// same room.
func showGeneratedRID() wrapper {
	return fresh(func() wrapper {
		var mu sync.Mutex
		ids := map[string]string{}
		return onRoom(func(_ *call, room map[string]any) {
			if len(members(room)) != 2 {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			rid := str(room["rid"])
			if ids[rid] == "" {
				ids[rid] = newRid()
			}
			setRid(room, ids[rid])
		})
	})
}

// showNoCoercion refuses, after authentication, an object whose values the
// schema passes only by coercing them.
func showNoCoercion() wrapper {
	return onDM(func(c *call) *answer {
		if p, ok := c.params().(map[string]any); ok && (c.json() || c.isForm()) {
			if msg := oracle.Message(dmBranches(), p, false); msg != "" && c.authenticated() {
				return c.tr.invalidParams(msg)
			}
		}
		return c.forward()
	})
}

// emptyNamed reports whether a valid, authenticated request names the
// empty name (other than as the caller).
func (c *call) emptyNamed() bool {
	me := c.caller()
	return me != nil && slices.Contains(c.names(), "") && c.valid() && c.authenticated()
}

// showEmptyName answers an empty name as the variant does.
func showEmptyName(v string) wrapper {
	return onDM(func(c *call) *answer {
		if !c.emptyNamed() {
			return c.forward()
		}
		switch v {
		case conformance.UnknownUser:
			return c.tr.reply(http.StatusBadRequest, invalidUserBody)
		case conformance.InvalidName:
			return c.tr.reply(http.StatusBadRequest, emptyNameBody)
		}
		kept := slices.DeleteFunc(c.names(), func(n string) bool { return n == "" })
		if len(kept) == 0 {
			kept = []string{c.caller().Username}
		}
		body := map[string]any{"usernames": strings.Join(kept, ",")}
		if c.excludeSelf() {
			body["excludeSelf"] = true
		}
		return c.forwardWith("application/json", encode(body))
	})
}

// showMaxUsers words the member-limit error as the variant does.
func showMaxUsers(v string, maxUsers int) wrapper {
	if v == conformance.PlainError {
		return onErrorType("error-direct-message-max-user-exceeded", func(_ *call, _ *answer, m map[string]any) {
			clear(m)
			m["success"] = false
			m["error"] = maxUsersPlainErr
		})
	}
	return onError(maxUsersPlainErr, func(_ *call, _ *answer, m map[string]any) {
		clear(m)
		for k, val := range decodeObject([]byte(maxUsersBody(maxUsers))) {
			m[k] = val
		}
	})
}
