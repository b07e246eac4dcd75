CREATE TABLE account (
    id      BIGINT       NOT NULL PRIMARY KEY,
    owner   VARCHAR(100) NOT NULL,
    balance BIGINT       NOT NULL CHECK (balance >= 0)
);

-- every bank starts with five accounts of 1,000.00 (amounts are in cents)
INSERT INTO account (id, owner, balance) VALUES
    (1, 'Ada', 100000), (2, 'Grace', 100000), (3, 'Edsger', 100000), (4, 'Barbara', 100000), (5, 'Leslie', 100000);
