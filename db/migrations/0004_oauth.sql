-- 0004_oauth.sql - built-in OAuth2 (issue 15): the profile fields of the
-- Authentication tab, and per profile the refresh token that
-- "popconn oauth login" obtained, sealed like a password (aad
-- "popconn/v1/<uid>/oauth_refresh_token").  The token row is not a change
-- of the profile: not audited field by field, and profiles.version does
-- not move when a refresh token rotates.
ALTER TABLE profiles ADD COLUMN oauth_flow TEXT NOT NULL DEFAULT 'command';
ALTER TABLE profiles ADD COLUMN oauth_provider TEXT NOT NULL
    DEFAULT 'microsoft';
ALTER TABLE profiles ADD COLUMN oauth_tenant TEXT;
ALTER TABLE profiles ADD COLUMN oauth_client_id TEXT;
ALTER TABLE profiles ADD COLUMN oauth_client_secret_enc TEXT;
ALTER TABLE profiles ADD COLUMN oauth_scope TEXT;
ALTER TABLE profiles ADD COLUMN oauth_device_url TEXT;
ALTER TABLE profiles ADD COLUMN oauth_token_url TEXT;

CREATE TABLE oauth_tokens (
	profile_id	INTEGER PRIMARY KEY
			    REFERENCES profiles (id) ON DELETE CASCADE,
	refresh_enc	TEXT,		-- sealed refresh token, NULL = none
	scope		TEXT,		-- scopes the server granted
	token_url	TEXT,		-- where it was obtained
	obtained	INTEGER NOT NULL,	-- unix time of the login
	refreshed	INTEGER,	-- unix time of the last refresh
	access_expires	INTEGER		-- when the last access token expired
);
