-- 0001_init.sql - the first popconn schema.
--
-- Migrations are forward-only: a released file is never edited; a change
-- is a new file 0002_<what>.sql.  Each file runs in one transaction
-- together with "PRAGMA user_version = <its number>" (src/store/
-- store_migrate.c), so it must not contain BEGIN/COMMIT or PRAGMAs that
-- cannot run inside a transaction.

-- One row: how the key that seals the secrets is obtained, and a value
-- sealed under it so that a wrong key is noticed before anything is
-- written.
CREATE TABLE meta (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	key_mode	TEXT NOT NULL
			    CHECK (key_mode IN ('keyfile', 'passphrase')),
	kdf_salt	BLOB,		-- passphrase mode: PBKDF2 salt
	kdf_iterations	INTEGER,	-- passphrase mode: PBKDF2 iterations
	key_check	TEXT NOT NULL,	-- secret_seal(key, known text)
	created		INTEGER NOT NULL
);

-- One column per field key of the model's field table (profile.c), with
-- the same name, except: "group" is a keyword, so its column is
-- group_name; secrets are stored only sealed, in <key>_enc, with the aad
-- "popconn/v1/<uid>/<key>".  Choices and version sets hold their text keys
-- ("ssl", "tls1.2,tls1.3"), booleans 0/1, empty text NULL.
CREATE TABLE profiles (
	id			INTEGER PRIMARY KEY,
	uid			TEXT NOT NULL UNIQUE,	-- random, stays
	version			INTEGER NOT NULL DEFAULT 1,
	name			TEXT NOT NULL UNIQUE COLLATE NOCASE,
	group_name		TEXT COLLATE NOCASE,
	timeout			INTEGER NOT NULL,
	codepage		INTEGER NOT NULL,
	address			TEXT,
	port			INTEGER NOT NULL,
	port_typed		INTEGER NOT NULL DEFAULT 0,
	username		TEXT,
	password_enc		TEXT,
	security		TEXT NOT NULL,
	tls_versions		TEXT NOT NULL,
	tls_verify		TEXT NOT NULL,
	tls_pin			TEXT,
	tls_ca_file		TEXT,
	auth			TEXT NOT NULL,
	oauth_token_cmd		TEXT,
	allow_plaintext		INTEGER NOT NULL DEFAULT 0,
	proxy_type		TEXT NOT NULL,
	proxy_address		TEXT,
	proxy_port		INTEGER,
	proxy_auth		INTEGER NOT NULL DEFAULT 0,
	proxy_domain		TEXT,
	proxy_username		TEXT,
	proxy_password_enc	TEXT,
	last_result		TEXT,		-- diagnosis key
	last_tested		INTEGER,	-- unix time
	created			INTEGER NOT NULL,
	updated			INTEGER NOT NULL
);
-- The listing order (group, name) without a sort.
CREATE INDEX profiles_by_group ON profiles (group_name, name);

-- Every change, never a secret value.  profile_id has no foreign key: the
-- history of a removed profile stays.
CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	time		INTEGER NOT NULL,
	os_user		TEXT NOT NULL,
	profile		TEXT NOT NULL,	-- name at the time
	profile_id	INTEGER,
	action		TEXT NOT NULL,	-- add set rm bulk-set import undo
	fields		TEXT NOT NULL DEFAULT '',
	detail		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_profile ON audit (profile_id);

-- The last bulk change and what it overwrote, for store_bulk_undo: per
-- profile, JSON arrays of the old and new values of the columns the
-- change wrote (bulk_ops.columns), as stored: secrets stay sealed.
CREATE TABLE bulk_ops (
	id		INTEGER PRIMARY KEY,
	time		INTEGER NOT NULL,
	os_user		TEXT NOT NULL,
	columns		TEXT NOT NULL,	-- "port,port_typed": what it wrote
	nprofiles	INTEGER NOT NULL,
	undone		INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE bulk_undo (
	op_id		INTEGER NOT NULL,	-- bulk_ops.id (no foreign key:
						-- a check per row slows a
						-- bulk change; rows go with
						-- their op in store_bulk.c)
	profile_id	INTEGER NOT NULL,
	version_after	INTEGER NOT NULL,	-- the version the change made
	old_values	TEXT NOT NULL,		-- json_array(...)
	new_values	TEXT NOT NULL
);
