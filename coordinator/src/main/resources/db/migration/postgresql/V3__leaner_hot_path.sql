-- Fewer trees to update on every write of the hot path.
-- Expired ACTIVE transactions are found through (state, lease_until): few are ACTIVE at any time.
DROP INDEX global_transaction_state_expiry;
-- branch_one_per_participant (transaction_id, url) serves every lookup of a transaction's branches.
DROP INDEX branch_transaction;
-- A transaction's history rows are kept together by their key: one tree instead of two.
DROP INDEX transaction_event_transaction;
ALTER TABLE transaction_event DROP CONSTRAINT transaction_event_pkey;
ALTER TABLE transaction_event ADD PRIMARY KEY (transaction_id, id);
