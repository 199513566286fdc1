package diff

import (
	"testing"
)

// Two servers whose users have other ids, names and tokens, and whose ids
// sort the other way round.
var (
	serverA = Known{RunID: "aaaaaa", Users: []User{
		{Key: "caller", ID: "AbCdEfGhJkMnPqRs1", Username: "rcc-aaaaaa-caller", Token: "tokA1tokA1tokA1tokA1tokA1tokA1tokA1tokA1tok"},
		{Key: "peer", ID: "BcDeFgHjKmNpQrSt2", Username: "rcc-aaaaaa-peer"},
		{Key: ServerAdmin, ID: "CCCCCCCCCCCCCCCC3", Username: "admin"},
		builtinUsers[0],
	}}
	serverB = Known{RunID: "bbbbbb", Users: []User{
		{Key: "caller", ID: "ZyXwVuTsRqPnMkJh1", Username: "rcc-bbbbbb-caller", Token: "tokB1tokB1tokB1tokB1tokB1tokB1tokB1tokB1tok"},
		{Key: "peer", ID: "YxWvUtSrQpNmKjHg2", Username: "rcc-bbbbbb-peer"},
		{Key: ServerAdmin, ID: "xxxxxxxxxxxxxxxx3", Username: "root"},
		builtinUsers[0],
	}}
)

func TestNormaliseStrings(t *testing.T) {
	a, b := NewNormaliser(serverA), NewNormaliser(serverB)
	for _, tc := range []struct{ a, b, want string }{
		{"AbCdEfGhJkMnPqRs1", "ZyXwVuTsRqPnMkJh1", "{caller.id}"},
		{"rcc-aaaaaa-peer", "rcc-bbbbbb-peer", "{peer}"},
		{"RCC-AAAAAA-PEER", "RCC-BBBBBB-PEER", "{PEER}"},
		{"Rcc-aaaaaa-Peer", "Rcc-bbbbbb-Peer", "{peer~case}"},
		{"aBcDeFgHjKmNpQrS1", "zYxWvUtSrQpNmKjH1", "{caller.id~case}"},
		// The ids of caller and peer sorted: A's in this order, B's reversed.
		{"AbCdEfGhJkMnPqRs1BcDeFgHjKmNpQrSt2", "YxWvUtSrQpNmKjHg2ZyXwVuTsRqPnMkJh1", "{ids of caller,peer sorted}"},
		{"BcDeFgHjKmNpQrSt2AbCdEfGhJkMnPqRs1", "ZyXwVuTsRqPnMkJh1YxWvUtSrQpNmKjHg2", "{ids of caller,peer reverse-sorted}"},
		{"AbCdEfGhJkMnPqRs1rocket.cat", "ZyXwVuTsRqPnMkJh1rocket.cat", "{ids of caller,rocket.cat sorted}"},
		{"admin", "root", "{server-admin}"},
		{"rocket.cat", "rocket.cat", "{rocket.cat}"},
		{"view-room-administration", "view-room-administration", "view-room-administration"},
		{"rcc-aaaaaa-nobody", "rcc-bbbbbb-nobody", "rcc-{run}-nobody"},
		{"token tokA1tokA1tokA1tokA1tokA1tokA1tokA1tokA1tok", "token tokB1tokB1tokB1tokB1tokB1tokB1tokB1tokB1tok", "token {caller.token}"},
		{"2026-11-27T10:00:00.123Z", "2024-01-01T00:00:00Z", "{time}"},
		{"Invalid user [error-invalid-user]", "Invalid user [error-invalid-user]", "Invalid user [error-invalid-user]"},
	} {
		if got := a.String(tc.a); got != tc.want {
			t.Errorf("server A: %q → %q, want %q", tc.a, got, tc.want)
		}
		if got := b.String(tc.b); got != tc.want {
			t.Errorf("server B: %q → %q, want %q", tc.b, got, tc.want)
		}
	}
}

func TestNewIdsAreNamedWhereTheyFirstAppear(t *testing.T) {
	a, b := NewNormaliser(serverA), NewNormaliser(serverB)
	if got, want := a.Body("OK-GROUP#1", []byte(`{"room":{"rid":"6745aa0b1c2d3e4f5a6b7c8d","_id":"6745aa0b1c2d3e4f5a6b7c8d","usernames":["rcc-aaaaaa-caller"]},"success":true}`)),
		`{"room":{"_id":"{new id from OK-GROUP#1}","rid":"{new id from OK-GROUP#1}","usernames":["{caller}"]},"success":true}`; got != want {
		t.Errorf("first room:\n got %s\nwant %s", got, want)
	}
	b.Body("OK-GROUP#1", []byte(`{"room":{"rid":"ffff0000ffff0000ffff0000","_id":"ffff0000ffff0000ffff0000"}}`))
	// The same room again, and then a new one, mentioned in a message too.
	for _, n := range []struct {
		n    *Normaliser
		same string
		new  string
	}{{a, "6745aa0b1c2d3e4f5a6b7c8d", "6745aa0b1c2d3e4f5a6b7c99"}, {b, "ffff0000ffff0000ffff0000", "ffff0000ffff0000ffff0001"}} {
		got := n.n.Body("SEM-X#3", []byte(`{"a":{"rid":"`+n.same+`"},"b":{"rid":"`+n.new+`"},"error":"dup key: { _id: \"`+n.new+`\" }"}`))
		want := `{"a":{"rid":"{new id from OK-GROUP#1}"},"b":{"rid":"{new id from SEM-X#3}"},"error":"dup key: { _id: \"{new id from SEM-X#3}\" }"}`
		if got != want {
			t.Errorf("later answer:\n got %s\nwant %s", got, want)
		}
	}
}

func TestBodiesOtherThanJSON(t *testing.T) {
	n := NewNormaliser(serverA)
	for body, want := range map[string]string{
		"":                                 "",
		"<pre>Bad Request</pre>\n":         "<pre>Bad Request</pre>\n",
		"no user rcc-aaaaaa-peer":          "no user {peer}",
		`{"a":1} {"b":2}`:                  `{"a":1} {"b":2}`,
		`{"success":false,"stack":"at x"}`: `{"success":false}`,
		`{"n":12345678901234567890}`:       `{"n":12345678901234567890}`,
	} {
		if got := n.Body("X#1", []byte(body)); got != want {
			t.Errorf("%q → %q, want %q", body, got, want)
		}
	}
}

func TestLearnKeepsWhatIsKnown(t *testing.T) {
	n := NewNormaliser(Known{})
	n.Learn(Known{RunID: "aaaaaa", Users: serverA.Users[:1]})
	n.Learn(Known{RunID: "other", Users: serverA.Users[:2]})
	if got := n.String("rcc-aaaaaa-peer rcc-aaaaaa-nobody"); got != "{peer} rcc-{run}-nobody" {
		t.Errorf("after learning twice: %q", got)
	}
}
