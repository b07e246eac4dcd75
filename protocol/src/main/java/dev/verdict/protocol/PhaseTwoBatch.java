package dev.verdict.protocol;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Phase-2 calls to one participant sent together: the body of {@code POST {url}/commit-batch} and
 * {@code POST {url}/rollback-batch}, signed like any call of the coordinator. Specified in
 * src-docs/protocol.md. A participant that takes these says so on its answers to the coordinator's calls with
 * the header {@value #HEADER}, whose value is the most branches it takes in one call; the coordinator sends
 * them only to participants that said so, and each branch means exactly what its own call would have meant.
 *
 * @param branches the branches to commit (or roll back), each as the body of its own call would name it
 */
public record PhaseTwoBatch(List<BranchRequest> branches) {

    /** The answer header by which a participant offers batches: the most branches it takes in one call. */
    public static final String HEADER = "Verdict-Phase-Two-Batch";
    /** The most branches the Java SDK takes in one call. */
    public static final int MAX_BRANCHES = 100;

    /** The answer to a batch: one per branch, in the order of the request. */
    public record Answers(List<Answer> answers) {
    }

    /**
     * What the participant would have answered this branch's own call: {@code status} its HTTP status (2xx
     * acknowledges), and for any other status the problem's {@code type} and {@code detail}.
     */
    public record Answer(String transactionId, String branchId, int status, @Nullable String type, @Nullable String detail) {

        public boolean acknowledged() {
            return status >= 200 && status < 300;
        }
    }
}
