-- 0002_capabilities.sql - what a test logon learned from CAPA over TLS,
-- per profile, so that a repeat test can trust it instead of asking again
-- (popconn test --trust-capabilities: one round trip fewer).  endpoint is
-- "<security> <address> <port>" at the time: the lines are trusted only
-- while the profile still points there.  Not a change of the profile: not
-- audited, and profiles.version does not move.
CREATE TABLE capabilities (
	profile_id	INTEGER PRIMARY KEY
			    REFERENCES profiles (id) ON DELETE CASCADE,
	endpoint	TEXT NOT NULL,
	lines		TEXT NOT NULL,	-- capability lines, '\n' between
	seen		INTEGER NOT NULL	-- unix time
);
