package dev.verdict.coordinator.branch;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.repository.ListCrudRepository;

/** The branches in the log. State changes are compare-and-set, like those of transactions. */
public interface BranchRepository extends ListCrudRepository<Branch, String> {

    @Query("SELECT * FROM branch WHERE transaction_id = :transactionId ORDER BY registered_at, id")
    List<Branch> findByTransactionId(String transactionId);

    @Query("SELECT * FROM branch WHERE transaction_id = :transactionId AND url = :url")
    Optional<Branch> findByTransactionIdAndUrl(String transactionId, String url);

    @Modifying
    @Query("""
            UPDATE branch SET state = :to, vote_detail = COALESCE(:voteDetail, vote_detail), updated_at = :now
            WHERE id = :id AND state = :from""")
    boolean move(String id, String from, String to, @Nullable String voteDetail, Instant now);

    @Modifying
    @Query("UPDATE branch SET attempts = attempts + 1, last_error = :error, updated_at = :now WHERE id = :id")
    void recordFailure(String id, String error, Instant now);

    @Modifying
    @Query("UPDATE branch SET attempts = attempts + 1, last_error = NULL, updated_at = :now WHERE id = :id")
    void recordAttempt(String id, Instant now);
}
