-- The coordinator's transaction log. One row per global transaction, one per branch.
-- Every change of state is a compare-and-set on the state column (see TransactionRepository).
CREATE TABLE global_transaction (
    id             VARCHAR(64)  NOT NULL PRIMARY KEY,
    name           VARCHAR(200),
    state          VARCHAR(16)  NOT NULL,
    outcome_reason VARCHAR(2000),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    decided_at     TIMESTAMP WITH TIME ZONE,
    finished_at    TIMESTAMP WITH TIME ZONE,
    updated_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    -- which coordinator process drives the transaction, and until when; recovery takes over after that
    owner          VARCHAR(100) NOT NULL,
    lease_until    TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX global_transaction_state_lease ON global_transaction (state, lease_until);
CREATE INDEX global_transaction_state_expiry ON global_transaction (state, expires_at);

CREATE TABLE branch (
    id               VARCHAR(64)  NOT NULL PRIMARY KEY,
    transaction_id   VARCHAR(64)  NOT NULL REFERENCES global_transaction (id),
    participant_name VARCHAR(100) NOT NULL,
    url              VARCHAR(500) NOT NULL,
    state            VARCHAR(16)  NOT NULL,
    vote_detail      VARCHAR(2000),
    last_error       VARCHAR(2000),
    attempts         INTEGER      NOT NULL,
    registered_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT branch_one_per_participant UNIQUE (transaction_id, url)
);
CREATE INDEX branch_transaction ON branch (transaction_id);
