package dev.verdict.coordinator.web;

import java.util.Map;

import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.verdict.coordinator.transaction.CoordinatorIdentity;

/**
 * Who this coordinator is, and who the caller is to it; the SDK calls it at start-up to check that the coordinator
 * can be reached.
 */
@RestController
class CoordinatorController {

    private final CoordinatorIdentity identity;

    CoordinatorController(CoordinatorIdentity identity) {
        this.identity = identity;
    }

    @GetMapping("/api/v1/coordinator")
    Map<String, String> describe(Authentication caller) {
        // the caller's own name: a participant puts it in its receipts, as the one who may ask about the branch
        return Map.of("nodeId", identity.nodeId(), "runId", identity.runId(), "protocol", "verdict/1", "caller", caller.getName());
    }
}
