package explore

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/fixtures"
)

// resolver gives a name's value: at a server, as a placeholder, or as Go.
type resolver interface {
	value(n Name) string
	// form wraps a value that goes into a form body.
	form(v string) string
}

// text resolves pieces into one string.
func text(ps []piece, r resolver) string {
	var b strings.Builder
	for _, p := range ps {
		if p.name == nil {
			b.WriteString(p.lit)
			continue
		}
		v := r.value(*p.name)
		if p.form {
			v = r.form(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

// vary applies a variant to a value.
func vary(s, variant string) string {
	switch variant {
	case variantUpper:
		return strings.ToUpper(s)
	case variantLower:
		return strings.ToLower(s)
	case variantSwapCase:
		return strings.Map(func(r rune) rune {
			if unicode.IsUpper(r) {
				return unicode.ToLower(r)
			}
			return unicode.ToUpper(r)
		}, s)
	case variantPadded:
		return " " + s + " "
	case variantAt:
		return "@" + s
	case variantTruncated:
		if r := []rune(s); len(r) > 0 {
			return string(r[:len(r)-1])
		}
	}
	return s
}

// server resolves names to one server's values: the personas provisioned
// for the case there.
type server struct {
	cast *fixtures.Cast
}

func (s server) value(n Name) string {
	var v string
	switch n.Who {
	case whoNobody:
		v = nobody(s.cast.RunID)
	case whoBot:
		v = whoBot
		if n.Field == fieldName {
			v = "Rocket.Cat"
		}
	default:
		u := s.cast.User(n.Who)
		switch n.Field {
		case fieldID:
			v = u.ID
		case fieldToken:
			v = u.Creds.Token
		case fieldEmail:
			v = u.Username + "@example.com" // as fixtures.Cast.Add makes it
		case fieldName:
			v = u.Name
		default:
			v = u.Username
		}
	}
	return vary(v, n.Variant)
}

func (server) form(v string) string { return formEscape(v) }

// nobody is the run-unique name no user has, as the checks make it.
func nobody(runID string) string { return "rcc-" + runID + "-nobody" }

// symbolic resolves names to the placeholders diff's normalisation uses,
// so a case reads the same for every server; it is how cases are shown.
type symbolic struct {
	names map[string]string // persona key → display name (the same everywhere)
}

func (s symbolic) value(n Name) string {
	var v string
	literal := false
	switch n.Who {
	case whoNobody:
		v = "rcc-{run}-nobody"
	case whoBot:
		v, literal = whoBot, true
		if n.Field == fieldName {
			v = "Rocket.Cat"
		}
	default:
		switch n.Field {
		case fieldID:
			v = "{" + n.Who + ".id}"
		case fieldToken:
			v = "{" + n.Who + ".token}"
		case fieldEmail:
			v = "{" + n.Who + "}@example.com"
		case fieldName:
			v, literal = s.names[n.Who], true
		default:
			v = "{" + n.Who + "}"
		}
	}
	switch n.Variant {
	case "", variantExact, variantPadded, variantAt:
		return vary(v, n.Variant)
	}
	if literal {
		return vary(v, n.Variant)
	}
	return n.Variant + "(" + v + ")"
}

func (symbolic) form(v string) string { return v }

// goCode resolves names to Go expressions over the checks' env, for
// skeletons.
type goCode struct{}

func (goCode) value(n Name) string {
	var v string
	switch n.Who {
	case whoNobody:
		v = "e.nobody()"
	case whoBot:
		v = strconv.Quote(whoBot)
		if n.Field == fieldName {
			v = strconv.Quote("Rocket.Cat")
		}
	default:
		u := "e.User(" + strconv.Quote(n.Who) + ")"
		switch n.Field {
		case fieldID:
			v = u + ".ID"
		case fieldToken:
			v = u + ".Creds.Token"
		case fieldEmail:
			v = u + `.Username + "@example.com"`
		case fieldName:
			v = u + ".Name"
		default:
			v = u + ".Username"
		}
	}
	switch n.Variant {
	case variantUpper:
		return "strings.ToUpper(" + v + ")"
	case variantLower:
		return "strings.ToLower(" + v + ")"
	case variantSwapCase:
		return "swapCase(" + v + ")"
	case variantPadded:
		return `" " + ` + v + ` + " "`
	case variantAt:
		return `"@" + ` + v
	case variantTruncated:
		return v + "[:len(" + v + ")-1]"
	}
	return v
}

func (goCode) form(v string) string { return "url.QueryEscape(" + v + ")" }

// goString writes pieces as a Go string expression: literals quoted,
// names as expressions, joined with +.
func goString(ps []piece) string {
	var parts []string
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, goLiteral(lit.String()))
			lit.Reset()
		}
	}
	for _, p := range ps {
		if p.name == nil {
			lit.WriteString(p.lit)
			continue
		}
		flush()
		v := goCode{}.value(*p.name)
		if p.form {
			v = goCode{}.form(v)
		}
		parts = append(parts, v)
	}
	flush()
	if len(parts) == 0 {
		return `""`
	}
	return strings.Join(parts, " + ")
}

// goLiteral quotes s, with backquotes when that reads better.
func goLiteral(s string) string {
	if strings.ContainsAny(s, "`\r\n") || !strconv.CanBackquote(s) {
		return strconv.Quote(s)
	}
	return "`" + s + "`"
}

// known is what diff's normalisation must know of one server for a case:
// the case's personas, the server's admin and its bot.
func known(cast *fixtures.Cast, admin diff.User) diff.Known {
	k := diff.Known{RunID: cast.RunID, Users: []diff.User{admin, {Key: whoBot, ID: whoBot, Username: whoBot}}}
	for _, key := range slices.Sorted(maps.Keys(cast.Users)) {
		u := cast.Users[key]
		k.Users = append(k.Users, diff.User{Key: key, ID: u.ID, Username: u.Username, Token: u.Creds.Token})
	}
	return k
}
