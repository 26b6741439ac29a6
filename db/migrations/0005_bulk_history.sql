-- 0005_bulk_history.sql - bulk changes that keep their ID: every audit row
-- written by a bulk change (and by its undo) names the change, so that
-- `popconn history` shows the ID `popconn undo ID` takes; and the undo
-- records of several bulk changes are kept (store_bulk.c prunes the
-- oldest), found by their change without a scan.
ALTER TABLE audit ADD COLUMN bulk_id INTEGER;	-- bulk_ops.id, or NULL
CREATE INDEX bulk_undo_by_op ON bulk_undo (op_id);
