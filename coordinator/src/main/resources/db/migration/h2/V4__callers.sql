-- Who began each transaction, and who registered each branch: a client may touch only the transactions it
-- began, a participant only those it takes part in.
ALTER TABLE global_transaction ADD COLUMN client VARCHAR(100);
ALTER TABLE branch ADD COLUMN registered_by VARCHAR(100);
