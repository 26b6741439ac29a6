-- 0003_test_history.sql - every test logon's result, per profile (popconn
-- test, test --group, check, the TUI's tests), for "history --tests",
-- "report" and "check".  The last N rows per profile are kept (N from
-- $POPCONN_HISTORY_KEEP, default 100): the store prunes in the same
-- transaction that inserts.  Never a secret: no password, token, SASL
-- payload or server text that could echo one (the message is not kept).
-- Like profiles.last_result this is not a change of the profile: not
-- audited, and profiles.version does not move.  The rows go with their
-- profile.
CREATE TABLE test_results (
	id		INTEGER PRIMARY KEY,
	profile_id	INTEGER NOT NULL
			    REFERENCES profiles (id) ON DELETE CASCADE,
	time		INTEGER NOT NULL,	-- unix time the test ended
	source		TEXT NOT NULL,		-- test check tui
	diagnosis	TEXT NOT NULL,		-- diag key
	failed_step	TEXT,			-- NULL when ok
	elapsed_ms	INTEGER NOT NULL,
	method		TEXT,			-- logon method used: "PLAIN"
	tls_version	TEXT,			-- "TLSv1.3"
	tls_cipher	TEXT,
	cert_sha256	TEXT,			-- hex with colons
	cert_not_after	INTEGER,		-- unix time
	messages	INTEGER,		-- STAT, NULL when not reached
	octets		INTEGER,
	-- Worked out from the previous row when inserted, so that pruning
	-- does not lose them:
	cert_changed	INTEGER NOT NULL DEFAULT 0,	-- fingerprint differs
							-- from the last one seen
	failing_since	INTEGER			-- failed: time of the first
						-- failure of this run of
						-- failures; NULL when ok
);
-- The latest results of a profile first, and the pruning.
CREATE INDEX test_results_by_profile ON test_results (profile_id, id);
