package reference

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/rcconform/rcconform/conformance"
)

// maxBodyBytes caps request bodies; larger ones get 413 without being read whole.
const maxBodyBytes = 1 << 20

var errBodyTooLarge = errors.New("request body exceeds 1 MiB")

// readParams reads the request body as the emulated parser leaves it.
// With the strict parser (body-parser=strict) the global body parsers have
// run already (bodyParser): a JSON body is an object or an array, a form
// body is parsed, anything else is {}. With the lenient one the route
// parses it (routeParams).
func (s *Server) readParams(w http.ResponseWriter, r *http.Request) (any, error) {
	if r.ContentLength > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errBodyTooLarge
		}
		return map[string]any{}, nil // an aborted read parses as {} like a broken body
	}
	if s.rel.bodyParser == conformance.StrictParser {
		// Node keeps the first of repeated Content-Type headers.
		return parseStrictParams(r.Header.Get("Content-Type"), raw), nil
	}
	// Hono reads the header through fetch's Headers, which joins repeats with ", ".
	return s.rel.routeParams(strings.Join(r.Header.Values("Content-Type"), ", "), raw), nil
}

// routeParams is the router's parseBodyParams, matching the content types
// as substrings, with case: JSON with JSON.parse (any value; a parse error
// or trailing data gives {}), a form parsed (form-body=parsed), anything
// else {}. With body-shape=spread the value is spread into an object, and
// a body of any other type (an unparsed form too) is read as text and
// spread.
func (r release) routeParams(contentType string, raw []byte) any {
	spreads := r.bodyShape == conformance.Spread
	switch {
	case strings.Contains(contentType, "application/json"):
		v := parseJSONParams(raw)
		if spreads {
			return spread(v)
		}
		return v
	case strings.Contains(contentType, "application/x-www-form-urlencoded") && r.formBody == conformance.FormParsed:
		return parseFormParams(raw) // spreading an object copies it
	case spreads:
		// fetch's text() decodes UTF-8 and drops a leading BOM. Invalid
		// bytes become U+FFFD here one by one, where it may fold several
		// into one: that changes how many index keys there are, never the
		// answer, since none is a schema property.
		return spread(string(bytes.TrimPrefix(raw, []byte("\uFEFF"))))
	default:
		return map[string]any{}
	}
}

// spread is what the Hono routers that spread the body do: an array is
// kept as it is; anything else becomes JavaScript's {...v}: an object is
// copied, a string becomes an object of its indexes (its UTF-16 code
// units), any other value {}.
func spread(v any) any {
	out := map[string]any{}
	switch v := v.(type) {
	case []any:
		return v
	case map[string]any:
		return v
	case string:
		// A surrogate half, which a Go string cannot hold alone, becomes
		// U+FFFD; the keys, which are what the schema sees, are exact.
		for i, unit := range utf16.Encode([]rune(v)) {
			out[strconv.Itoa(i)] = string(rune(unit))
		}
	}
	return out
}

// parseStrictParams is what the strict global parsers (connect's, then
// express's json and urlencoded) leave in req.body: they match the media
// type like type-is does (ignoring case and parameters), and bodyParser has
// refused a JSON body that is not an object or an array already.
func parseStrictParams(contentType string, raw []byte) any {
	switch media := mediaType(contentType); {
	case isJSONMedia(media):
		return parseJSONParams(raw) // an object, an array, or {} for an empty body
	case media == "application/x-www-form-urlencoded":
		return parseFormParams(raw)
	default:
		return map[string]any{}
	}
}

func mediaType(contentType string) string {
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return media
}

// isJSONMedia is type-is's "json": application/json or application/*+json.
func isJSONMedia(media string) bool {
	return media == "application/json" || strings.HasPrefix(media, "application/") && strings.HasSuffix(media, "+json")
}

// errorPage is the page Meteor's final handler (finalhandler, with
// NODE_ENV=production) sends for an error the body parser passes on.
func errorPage(status int) string {
	return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>" +
		http.StatusText(status) + "</pre>\n</body>\n</html>\n"
}

// bodyParser is the strict global JSON parser (connect.json, body-parser
// 1.13, then express.json): before any route runs, a JSON body in a charset
// other than utf-* is answered 415, and one that is not an object or an
// array, or does not parse, 400, each with a plain HTML page. It returns
// false when it answered; otherwise the body is put back for the route.
func (s *Server) bodyParser(w http.ResponseWriter, r *http.Request) bool {
	media, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Body == nil || !isJSONMedia(media) {
		return true
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.writeError(w, errTooLarge)
		} else {
			writePage(w, http.StatusBadRequest) // body-parser's "request aborted"
		}
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	r.ContentLength = int64(len(raw))
	if cs := params["charset"]; cs != "" && !strings.HasPrefix(strings.ToLower(cs), "utf-") {
		writePage(w, http.StatusUnsupportedMediaType)
		return false
	}
	if len(raw) == 0 {
		return true // an empty body is {}
	}
	// iconv-lite drops a UTF-8 byte-order mark while decoding; strict mode
	// then wants { or [ as the first character after white space.
	body := bytes.TrimLeft(bytes.TrimPrefix(raw, []byte("\uFEFF")), " \t\n\r")
	if len(body) > 0 && (body[0] == '{' || body[0] == '[') && json.Valid(body) {
		return true
	}
	writePage(w, http.StatusBadRequest)
	return false
}

func writePage(w http.ResponseWriter, status int) {
	page := errorPage(status)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, page)
}

func parseJSONParams(raw []byte) any {
	// fetch's Body.json() decodes UTF-8 and drops a leading BOM.
	raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers exact; JS semantics are applied when coercing
	var v any
	if err := dec.Decode(&v); err != nil {
		return map[string]any{}
	}
	if _, err := dec.Token(); err != io.EOF {
		return map[string]any{} // trailing data: JSON.parse would throw
	}
	return v
}

// parseFormParams implements the WHATWG application/x-www-form-urlencoded
// parser (what fetch's formData() uses), keeping the last value of a
// repeated key like Object.fromEntries does. Unlike url.ParseQuery it never
// fails: bad percent escapes stay literal.
func parseFormParams(raw []byte) map[string]any {
	out := map[string]any{}
	for _, part := range bytes.Split(raw, []byte("&")) {
		if len(part) == 0 {
			continue
		}
		name, value, _ := bytes.Cut(part, []byte("="))
		out[formDecode(name)] = formDecode(value)
	}
	return out
}

func formDecode(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// jsonType is the subset of JSON-schema types the Rocket.Chat schemas use.
type jsonType int

const (
	typeString jsonType = iota
	typeBoolean
	typeObject
	typeStringArray // {type: array, items: {type: string}}
)

type property struct {
	name     string
	typ      jsonType
	nullable bool
}

// objectSchema is {type: object, properties, required, additionalProperties: false}.
type objectSchema struct {
	properties []property
	required   []string
}

// validate checks data the way ajv does with allErrors: false and
// coerceTypes as given: type, then required (in order), then additional
// properties, then each present property in schema order; it stops at the
// first failure and returns its message. On success it returns a copy,
// coerced when coerceTypes is set.
func (s objectSchema) validate(data any, coerceTypes bool) (map[string]any, string) {
	obj, ok := data.(map[string]any)
	if !ok {
		return nil, "must be object"
	}
	for _, name := range s.required {
		if _, ok := obj[name]; !ok {
			return nil, "must have required property '" + name + "'"
		}
	}
	for key := range obj {
		if !s.declares(key) {
			return nil, "must NOT have additional properties"
		}
	}
	out := make(map[string]any, len(obj))
	for _, p := range s.properties {
		v, ok := obj[p.name]
		if !ok {
			continue
		}
		c, msg := coerce(v, p.typ, p.nullable, coerceTypes)
		if msg != "" {
			return nil, msg
		}
		out[p.name] = c
	}
	return out, ""
}

func (s objectSchema) declares(name string) bool {
	for _, p := range s.properties {
		if p.name == name {
			return true
		}
	}
	return false
}

// validateOneOf is ajv's oneOf over object branches: each failing branch
// contributes its single message, then the oneOf message; all joined with
// "\n " as Rocket.Chat's validateParams does. It returns the index of the
// only matching branch and its (coerced) data.
func validateOneOf(data any, coerceTypes bool, branches ...objectSchema) (int, map[string]any, string) {
	matched, matches := -1, 0
	var out map[string]any
	var msgs []string
	for i, b := range branches {
		o, msg := b.validate(data, coerceTypes)
		if msg != "" {
			msgs = append(msgs, msg)
			continue
		}
		matched, out = i, o
		matches++
	}
	if matches == 1 {
		return matched, out, ""
	}
	msgs = append(msgs, "must match exactly one schema in oneOf")
	return -1, nil, strings.Join(msgs, "\n ")
}

// coerce checks one value against typ as ajv does, applying its
// coerceTypes rules when coerceTypes is set (without it only the exact JSON
// type passes); msg is ajv's type error when the value does not pass.
func coerce(v any, typ jsonType, nullable, coerceTypes bool) (any, string) {
	if v == nil && nullable {
		return nil, ""
	}
	switch typ {
	case typeString:
		if s, ok := toString(v, coerceTypes); ok {
			return s, ""
		}
		return nil, "must be string"
	case typeBoolean:
		if b, ok := v.(bool); ok {
			return b, ""
		}
		if coerceTypes {
			if b, ok := coerceBool(v); ok {
				return b, ""
			}
			if s, ok := v.(string); ok && s == "" && nullable {
				return nil, "" // ajv's coercion to null, tried after boolean
			}
		}
		return nil, "must be boolean"
	case typeObject:
		if o, ok := v.(map[string]any); ok {
			return o, ""
		}
		return nil, "must be object"
	default: // typeStringArray: arrays are only coerced with coerceTypes: "array"
		items, ok := v.([]any)
		if !ok {
			return nil, "must be array"
		}
		out := make([]string, len(items))
		for i, item := range items {
			s, ok := toString(item, coerceTypes)
			if !ok {
				return nil, "must be string"
			}
			out[i] = s
		}
		return out, ""
	}
}

// toString passes a string, and with coerceTypes what coerceString turns
// into one.
func toString(v any, coerceTypes bool) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	if !coerceTypes {
		return "", false
	}
	return coerceString(v)
}

// coerceString: numbers and booleans become their JS string form, null
// becomes ""; arrays and objects are not coerced.
func coerceString(v any) (string, bool) {
	switch v := v.(type) {
	case json.Number:
		return jsNumberString(jsNumber(v)), true
	case bool:
		return strconv.FormatBool(v), true
	case nil:
		return "", true
	default:
		return "", false
	}
}

// coerceBool: "true"/1 are true; "false"/0/null are false.
func coerceBool(v any) (bool, bool) {
	switch v := v.(type) {
	case nil:
		return false, true
	case string:
		switch v {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case json.Number:
		switch jsNumber(v) {
		case 1:
			return true, true
		case 0:
			return false, true
		}
	}
	return false, false
}

// jsNumber converts a JSON number literal to the float64 JSON.parse yields
// (out-of-range literals become ±Infinity or 0 instead of failing).
func jsNumber(n json.Number) float64 {
	f, _ := strconv.ParseFloat(string(n), 64) // ErrRange still returns JS's value
	return f
}

// jsNumberString formats f as JavaScript's Number.prototype.toString does.
func jsNumberString(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0" // also -0
	case f < 0:
		return "-" + jsNumberString(-f)
	}
	// Shortest round-trip digits d1...dk and exponent so f = 0.d1...dk × 10^n.
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp) // FormatFloat always writes a valid exponent
	n, k := e+1, len(digits)
	switch {
	case k <= n && n <= 21:
		return digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return "0." + strings.Repeat("0", -n) + digits
	}
	out := digits[:1]
	if k > 1 {
		out += "." + digits[1:]
	}
	if n-1 >= 0 {
		return out + "e+" + strconv.Itoa(n-1)
	}
	return out + "e-" + strconv.Itoa(1-n)
}

// jsTrim is String.prototype.trim: JS whitespace and line terminators, which
// differ from unicode.IsSpace (JS trims U+FEFF but not U+0085).
func jsTrim(s string) string {
	return strings.TrimFunc(s, isJSSpace)
}

func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', '\uFEFF', '\u2028', '\u2029':
		return true
	}
	return unicode.Is(unicode.Zs, r)
}
