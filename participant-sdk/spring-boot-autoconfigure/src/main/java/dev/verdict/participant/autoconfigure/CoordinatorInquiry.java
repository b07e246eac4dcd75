package dev.verdict.participant.autoconfigure;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.verdict.participant.OutcomeInquiry;

/** Answers recovery's question "how did this transaction end?" from the coordinator's REST API. */
class CoordinatorInquiry implements OutcomeInquiry {

    private final CoordinatorClient coordinator;
    private volatile @Nullable String nodeId;

    CoordinatorInquiry(CoordinatorClient coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public Outcome outcomeOf(String transactionId) {
        CoordinatorClient.TransactionView transaction = coordinator.find(transactionId);
        if (transaction == null) {
            return Outcome.UNKNOWN;
        }
        return switch (transaction.status()) {
            case "COMMITTING", "COMMITTED" -> Outcome.COMMIT;
            case "ABORTING", "ABORTED" -> Outcome.ABORT;
            default -> Outcome.PENDING;
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
