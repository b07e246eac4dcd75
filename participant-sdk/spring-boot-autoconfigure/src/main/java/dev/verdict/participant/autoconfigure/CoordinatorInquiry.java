package dev.verdict.participant.autoconfigure;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.verdict.participant.BranchXid;
import dev.verdict.participant.OutcomeInquiry;

/** Answers recovery's question "what becomes of this prepared branch?" from the coordinator's REST API. */
class CoordinatorInquiry implements OutcomeInquiry {

    private final CoordinatorClient coordinator;
    private volatile @Nullable String nodeId;

    CoordinatorInquiry(CoordinatorClient coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public Outcome outcomeOf(BranchXid branch) {
        String outcome = coordinator.branchOutcome(branch.transactionId(), branch.branchId());
        if (outcome == null) {
            return Outcome.UNKNOWN;
        }
        return switch (outcome) {
            case "COMMIT" -> Outcome.COMMIT;
            case "ABORT" -> Outcome.ABORT;
            case "PENDING" -> Outcome.PENDING;
            default -> throw new IllegalStateException("the coordinator answered an outcome this SDK does not know: " + outcome);
        };
    }

    @Override
    public boolean isOwnTransaction(String transactionId) {
        if (nodeId == null) {
            nodeId = Objects.toString(coordinator.describe().get("nodeId"));
        }
        return transactionId.startsWith(nodeId + "-");
    }
}
