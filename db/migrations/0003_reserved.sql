-- 0003_reserved.sql - a placeholder on branch h-oauth only: migration 0003
-- belongs to another branch (the numbers must have no gap, see
-- store_migrate_count), and 0004_oauth.sql must not depend on it.  Delete
-- this file when that branch's 0003 is merged beside 0004_oauth.sql.
SELECT 1;
