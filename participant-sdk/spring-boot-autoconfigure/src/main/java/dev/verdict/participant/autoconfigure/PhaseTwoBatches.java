package dev.verdict.participant.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

import dev.verdict.protocol.BranchRequest;
import dev.verdict.protocol.PhaseTwoBatch.Answer;
import dev.verdict.protocol.PhaseTwoBatch;
import tools.jackson.databind.json.JsonMapper;

/**
 * Commits or rolls back the branches of a {@link PhaseTwoBatch} one after the other, each exactly as its own call
 * would, and answers each with the status that call would have had: one branch that fails neither stops the others
 * nor hides their outcome.
 */
final class PhaseTwoBatches {

    private static final Logger log = LoggerFactory.getLogger(PhaseTwoBatches.class);
    private static final String SHAPE = "the body must be {\"branches\": [{\"transactionId\": ..., \"branchId\": ...}, ...]}";

    private PhaseTwoBatches() {
    }

    /** The branches of the batch; an {@link IllegalArgumentException} (400) for a body that is not one, before any is touched. */
    static List<BranchRequest> read(JsonMapper json, byte[] body) {
        PhaseTwoBatch batch;
        try {
            batch = json.readValue(body, PhaseTwoBatch.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(SHAPE);
        }
        if (batch == null || batch.branches() == null || batch.branches().isEmpty()) {
            throw new IllegalArgumentException("the batch names no branches: " + SHAPE);
        }
        if (batch.branches().size() > PhaseTwoBatch.MAX_BRANCHES) {
            throw new IllegalArgumentException("a batch takes at most " + PhaseTwoBatch.MAX_BRANCHES + " branches, but this one has "
                    + batch.branches().size());
        }
        for (int i = 0; i < batch.branches().size(); i++) {
            BranchRequest call = batch.branches().get(i);
            if (call == null || call.transactionId() == null || call.branchId() == null) {
                throw new IllegalArgumentException("branch " + i + " of the batch must name transactionId and branchId");
            }
        }
        return batch.branches();
    }

    /** Runs {@code action} (the manager's commit or rollback) for every branch, in order, whatever the others answered. */
    static PhaseTwoBatch.Answers carryOut(List<BranchRequest> calls, BiConsumer<String, String> action) {
        List<Answer> answers = new ArrayList<>(calls.size());
        for (BranchRequest call : calls) {
            answers.add(carryOut(call, action));
        }
        return new PhaseTwoBatch.Answers(answers);
    }

    private static Answer carryOut(BranchRequest call, BiConsumer<String, String> action) {
        try {
            action.accept(call.transactionId(), call.branchId());
            return new Answer(call.transactionId(), call.branchId(), HttpStatus.OK.value(), null, null);
        } catch (RuntimeException e) {
            ProblemDetail problem = BranchProblems.of(e);
            if (problem.getStatus() == HttpStatus.INTERNAL_SERVER_ERROR.value()) {
                // alone, this call would have reached the servlet container's error log; in a batch only this line tells
                log.warn("Branch {} of transaction {} failed in a phase-2 batch", call.branchId(), call.transactionId(), e);
            }
            return new Answer(call.transactionId(), call.branchId(), problem.getStatus(), String.valueOf(problem.getType()),
                    problem.getDetail());
        }
    }
}
