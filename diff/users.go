package diff

// Bots every Rocket.Chat server has, under the same id and name.
var builtinUsers = []User{{Key: "rocket.cat", ID: "rocket.cat", Username: "rocket.cat"}}

// ServerAdmin is the key of the admin who provisions users on a server.
const ServerAdmin = "server-admin"
