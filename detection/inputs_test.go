package detection

// Attacker and hurried-reimplementer inputs: one broken server per
// plausible way a reimplementation on another stack reads an input of
// dm.create wrongly. INPUTS.md lists, per input the endpoint reads, the
// mistakes, the check and the mutant that prove each is caught, and says
// plainly which plausible mistakes no check catches.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/rcconform/rcconform/conformance"
)

func inputMutants() []mutant {
	return []mutant{
		// X-User-Id and X-Auth-Token.
		{
			Name:        "input-user-id-ignoring-case",
			Description: "X-User-Id is compared ignoring case, as a case-insensitive SQL collation (MySQL's utf8mb4_general_ci) does",
			Wrap: onDM(func(c *call) *answer {
				id := c.r.Header.Get("X-User-Id")
				if p := c.tr.find(func(p person) bool { return p.ID != id && strings.EqualFold(p.ID, id) }); p != nil && c.tr.id(id) == nil {
					c.r.Header.Set("X-User-Id", p.ID)
				}
				return c.forward()
			}),
			MustFail:   []string{"AUTH-USER-ID-CASE"},
			MessageHas: "compared exactly",
		},
		{
			Name:        "input-token-ignoring-case",
			Description: "X-Auth-Token is compared ignoring case (stored in the clear in a case-insensitive column)",
			Wrap: onDM(func(c *call) *answer {
				tok := c.r.Header.Get("X-Auth-Token")
				if p := c.caller(); p != nil && p.Token != tok && strings.EqualFold(p.Token, tok) {
					c.r.Header.Set("X-Auth-Token", p.Token)
				}
				return c.forward()
			}),
			MustFail:   []string{"AUTH-TOKEN-CASE"},
			MessageHas: "in another case",
		},
		{
			Name:        "input-token-first-value",
			Description: "of a repeated X-Auth-Token the first value is taken (Go's Header.Get), where Node.js and Fetch join them with \", \"",
			Wrap: onDM(func(c *call) *answer {
				if toks := c.r.Header.Values("X-Auth-Token"); len(toks) > 1 {
					c.r.Header.Set("X-Auth-Token", toks[0])
				}
				return c.forward()
			}),
			MustFail:   []string{"AUTH-TOKEN-REPEATED"},
			MessageHas: "two X-Auth-Token lines",
		},
		{
			Name:        "input-token-prefix",
			Description: "X-Auth-Token matches any stored token it is a prefix of (a LIKE 'token%' query, or a comparison over the length sent)",
			Wrap: onDM(func(c *call) *answer {
				tok := c.r.Header.Get("X-Auth-Token")
				if p := c.caller(); p != nil && tok != "" && p.Token != tok && strings.HasPrefix(p.Token, tok) {
					c.r.Header.Set("X-Auth-Token", p.Token)
				}
				return c.forward()
			}),
			MustFail:   []string{"AUTH-TOKEN-TRUNCATED"},
			MessageHas: "prefix",
		},
		{
			Name:        "input-header-first-value",
			Description: "of a repeated authentication header the first value is taken, as Go's Header.Get does",
			Wrap:        pickHeaderValue(func(vs []string) string { return vs[0] }),
			MustFail:    []string{"AUTH-USER-ID-REPEATED"},
			MessageHas:  "takes the first or the last value",
		},
		{
			Name:        "input-header-last-value",
			Description: "of a repeated authentication header the last value is taken, as many frameworks' header maps do",
			Wrap:        pickHeaderValue(func(vs []string) string { return vs[len(vs)-1] }),
			MustFail:    []string{"AUTH-USER-ID-REPEATED"},
			MessageHas:  "takes the first or the last value",
		},
		{
			Name:        "input-deleted-user-token",
			Description: "the token of a deleted user is still accepted (tokens cached, or users only flagged as deleted), and the DM is made",
			Wrap: onDM(func(c *call) *answer {
				p := c.tr.deleted(c.r.Header.Get("X-User-Id"))
				if p == nil || p.Token == "" || p.Token != c.r.Header.Get("X-Auth-Token") {
					return c.forward()
				}
				names := []any{p.Username}
				for _, n := range c.names() {
					if q := c.tr.name(n); q != nil && q.ID != p.ID {
						names = append(names, q.Username)
					}
				}
				rid := newRid()
				return c.tr.reply(http.StatusOK, string(encode(map[string]any{
					"room": map[string]any{"t": "d", "rid": rid, "usernames": names, "_id": rid}, "success": true,
				})))
			}),
			MustFail:   []string{"AUTH-DELETED-USER"},
			MessageHas: "deleted user",
		},
		{
			Name:        "input-header-names-with-case",
			Description: "the authentication headers are found only under the exact names X-User-Id and X-Auth-Token (a case-sensitive map of raw header names)",
			Wrap: onDM(func(c *call) *answer {
				raw := rawHeaderNames(c.r)
				for _, want := range []string{"X-User-Id", "X-Auth-Token"} {
					if !slices.Contains(raw, want) {
						c.r.Header.Del(want)
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"AUTH-HEADER-NAME-CASE"},
			MessageHas: "case-insensitive",
		},
		// Content-Type and the body as a whole.
		{
			Name:        "input-json-sniffed",
			Description: "a body that looks like JSON is read as JSON whatever its Content-Type says",
			Wrap: onDM(func(c *call) *answer {
				if _, ok := decodeJSON(c.body).(map[string]any); ok && !c.json() {
					return c.forwardWith("application/json", c.body)
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-TEXT-PLAIN"},
			MessageHas: "any other Content-Type",
		},
		{
			Name:        "input-charset-refused",
			Description: `only the exact Content-Type "application/json" is read as JSON, so "application/json; charset=utf-8" reads as no parameters`,
			Wrap: onDM(func(c *call) *answer {
				if ct := c.r.Header.Get("Content-Type"); c.json() && ct != "application/json" {
					return c.forwardWith("text/plain", c.body)
				}
				return c.forward()
			}),
			MustFail:   []string{"OK-JSON-CHARSET"},
			MessageHas: "charset parameter is still JSON",
		},
		{
			Name:        "input-form-refused",
			Description: "a form-encoded body is not parsed (only JSON is), so it reads as no parameters",
			Needs:       []conformance.Cond{conformance.Is(conformance.DimFormBody, conformance.FormParsed)},
			Wrap: onDM(func(c *call) *answer {
				if strings.HasPrefix(c.r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
					return c.forwardWith("text/plain", c.body)
				}
				return c.forward()
			}),
			MustFail:   []string{"OK-FORM-ENCODED"},
			MessageHas: "form-urlencoded body is parsed",
		},
		{
			Name:        "input-json-keys-ignoring-case",
			Description: `body keys are matched ignoring case, as Go's encoding/json does for struct fields ("Username" is read as username)`,
			Wrap: onBody(func(_ *call, body map[string]any) {
				for k, v := range body {
					for _, want := range []string{"username", "usernames", "excludeSelf"} {
						if k != want && strings.EqualFold(k, want) {
							if _, taken := body[want]; !taken {
								body[want] = v
								delete(body, k)
							}
						}
					}
				}
			}),
			MustFail:   []string{"PARAMS-CASE-USERNAME", "PARAMS-CASE-USERNAMES", "PARAMS-CASE-USERNAME-TEXT", "PARAMS-CASE-USERNAMES-TEXT"},
			MessageHas: "spelled",
		},
		{
			Name:        "input-json-first-key-wins",
			Description: "of a key given twice the first value is kept (a streaming parser, or a map filled only once), where JSON.parse keeps the last",
			Wrap: onDM(func(c *call) *answer {
				if first, ok := firstKeyWins(c.body); ok && c.json() {
					c.body = first
				}
				return c.forward()
			}),
			MustFail:   []string{"OK-REPEATED-KEY"},
			MessageHas: "last username wins",
		},
		{
			Name:        "input-json-trailing-data-ignored",
			Description: "a JSON object followed by other text is read as the object, as Go's json.Decoder reads the first value and stops, where JSON.parse throws",
			Wrap: onDM(func(c *call) *answer {
				dec := json.NewDecoder(bytes.NewReader(c.body))
				var v any
				if c.json() && dec.Decode(&v) == nil {
					if rest := bytes.TrimSpace(c.body[dec.InputOffset():]); len(rest) > 0 {
						c.body = c.body[:dec.InputOffset()]
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-TRAILING-DATA-PARSER", "PARAMS-TRAILING-DATA"},
			MessageHas: "JSON.parse refuses text after the value",
		},
		{
			Name:        "input-form-excludeself-ignored",
			Description: "excludeSelf of a form-encoded body is ignored, as a reader that coerces only JSON values would",
			Needs:       []conformance.Cond{conformance.Is(conformance.DimFormBody, conformance.FormParsed)},
			Wrap: onDM(func(c *call) *answer {
				if strings.Contains(strings.ToLower(c.r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
					q, _ := url.ParseQuery(string(c.body))
					q.Del("excludeSelf")
					c.body = []byte(q.Encode())
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-COERCE-FORM-EXCLUDESELF"},
			MessageHas: "excludeSelf",
		},
		{
			Name:        "input-excludeself-truthy",
			Description: `excludeSelf is read as a truthy value, so the string "false" means true`,
			Wrap: onBody(func(_ *call, body map[string]any) {
				if s, ok := body["excludeSelf"].(string); ok && s != "" {
					body["excludeSelf"] = true
				}
			}),
			MustFail:   []string{"PARAMS-COERCE-BOOLEAN"},
			MessageHas: "false",
		},
		// Each name: how a user is found by it.
		{
			Name:        "input-user-by-id",
			Description: "a name is also looked up as a user id (a lookup on username OR _id)",
			Wrap:        resolveNames(func(p person, n string) bool { return p.ID == n }),
			MustFail:    []string{"USER-BY-ID"},
			MessageHas:  "another user's id",
		},
		{
			Name:        "input-user-by-display-name",
			Description: "a name is also looked up as a display name (a lookup on username OR name)",
			Wrap:        resolveNames(func(p person, n string) bool { return strings.EqualFold(p.Name, n) }),
			MustFail:    []string{"USER-BY-DISPLAY-NAME"},
			MessageHas:  "display name",
		},
		{
			Name:        "input-user-by-email",
			Description: "a name is also looked up as an e-mail address (a lookup on username OR emails.address)",
			Wrap: resolveNames(func(p person, n string) bool {
				return slices.ContainsFunc(p.Emails, func(e string) bool { return strings.EqualFold(e, n) })
			}),
			MustFail:   []string{"USER-BY-EMAIL"},
			MessageHas: "address's owner",
		},
		{
			Name:        "input-name-regex",
			Description: "a name is matched as an anchored case-insensitive regular expression built without escaping it (new RegExp(`^${name}$`, 'i'))",
			Wrap:        patternNames(func(n string) string { return "(?i)^" + n + "$" }),
			MustFail:    []string{"USER-NO-PATTERN-DOT"},
			MessageHas:  "literally",
		},
		{
			Name:        "input-name-regex-unanchored",
			Description: "a name is matched as an unanchored, unescaped regular expression (a MongoDB $regex without ^ and $)",
			Wrap:        patternNames(func(n string) string { return "(?i)" + n }),
			MustFail:    []string{"USER-NO-PATTERN-DOT", "USER-NO-PATTERN-STAR"},
			MessageHas:  "literally",
		},
		{
			Name:        "input-name-sql-like",
			Description: "a name is matched with SQL LIKE without escaping, so % and _ are wildcards",
			Wrap: patternNames(func(n string) string {
				var b strings.Builder
				b.WriteString("(?i)^")
				for _, r := range n {
					switch r {
					case '%':
						b.WriteString(".*")
					case '_':
						b.WriteString(".")
					default:
						b.WriteString(regexp.QuoteMeta(string(r)))
					}
				}
				return b.String() + "$"
			}),
			MustFail:   []string{"USER-NO-PATTERN-PERCENT"},
			MessageHas: "literally",
		},
		{
			Name:        "input-name-glob",
			Description: "a name is matched as a glob (fnmatch, or a Redis-style key pattern), so * and ? are wildcards",
			Wrap: resolveNames(func(p person, n string) bool {
				ok, err := path.Match(n, p.Username)
				return err == nil && ok
			}),
			MustFail:   []string{"USER-NO-PATTERN-STAR"},
			MessageHas: "literally",
		},
		{
			Name:        "input-name-accent-insensitive",
			Description: "names are matched ignoring accents as well as case, as MySQL's utf8mb4_general_ci does",
			Wrap: resolveNames(func(p person, n string) bool {
				c := collate.New(language.Und, collate.IgnoreCase, collate.IgnoreDiacritics) // not safe for concurrent use
				return c.CompareString(p.Username, n) == 0
			}),
			MustFail:   []string{"USER-ACCENT-SENSITIVE"},
			MessageHas: "not accents",
		},
		// The list of names.
		{
			Name:        "input-usernames-split-on-space",
			Description: "usernames is split on white space as well as on commas",
			Wrap:        splitUsernames(func(r rune) bool { return r == ',' || unicode.IsSpace(r) }),
			MustFail:    []string{"USERNAMES-SPACE-SEPARATED"},
			MessageHas:  `split on ","`,
		},
		{
			Name:        "input-usernames-split-on-semicolon",
			Description: "usernames is split on semicolons as well as on commas",
			Wrap:        splitUsernames(func(r rune) bool { return r == ',' || r == ';' }),
			MustFail:    []string{"USERNAMES-SEMICOLON-SEPARATED"},
			MessageHas:  `split on ","`,
		},
		{
			Name:        "input-usernames-split-on-any",
			Description: `usernames is split on any run of separators ([,;\s]+), as a "friendly" parser does`,
			Wrap:        splitUsernames(func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }),
			MustFail:    []string{"USERNAMES-SPACE-SEPARATED", "USERNAMES-SEMICOLON-SEPARATED"},
			MessageHas:  `split on ","`,
		},
	}
}

// pickHeaderValue reduces a repeated X-User-Id or X-Auth-Token to one of
// its values, where Rocket.Chat reads the values joined with ", ".
func pickHeaderValue(pick func([]string) string) wrapper {
	return onDM(func(c *call) *answer {
		for _, name := range []string{"X-User-Id", "X-Auth-Token"} {
			if vs := c.r.Header.Values(name); len(vs) > 1 {
				c.r.Header.Set(name, pick(vs))
			}
		}
		return c.forward()
	})
}

// resolveNames is a server that, for a name no username matches (ignoring
// case), also accepts the first user for whom match holds.
func resolveNames(match func(p person, name string) bool) wrapper {
	return onBody(func(c *call, body map[string]any) {
		names := c.names()
		changed := false
		for i, n := range names {
			if n == "" || c.tr.name(n) != nil {
				continue
			}
			if p := c.tr.find(func(p person) bool { return match(p, n) }); p != nil {
				names[i], changed = p.Username, true
			}
		}
		if changed {
			setNames(body, names)
		}
	})
}

// patternNames is a server that builds a regular expression from each name
// and takes the first user whose username it matches.
func patternNames(pattern func(name string) string) wrapper {
	return resolveNames(func(p person, n string) bool {
		re, err := regexp.Compile(pattern(n))
		return err == nil && re.MatchString(p.Username)
	})
}

// splitUsernames is a server that splits usernames on more than commas.
func splitUsernames(sep func(rune) bool) wrapper {
	return onBody(func(_ *call, body map[string]any) {
		if s, ok := body["usernames"].(string); ok {
			body["usernames"] = strings.Join(strings.FieldsFunc(s, sep), ",")
		}
	})
}

// firstKeyWins re-encodes a JSON object keeping the first value of each
// key; ok is false when b is no object or has no repeated key.
func firstKeyWins(b []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	out := map[string]json.RawMessage{}
	repeated := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if _, seen := out[key]; seen {
			repeated = true
			continue
		}
		out[key] = v
	}
	if !repeated {
		return nil, false
	}
	return encode(out), true
}
