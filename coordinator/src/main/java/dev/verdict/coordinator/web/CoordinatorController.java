package dev.verdict.coordinator.web;

import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.verdict.coordinator.transaction.CoordinatorIdentity;

/** Who this coordinator is; the SDK calls it at start-up to check that the coordinator can be reached. */
@RestController
class CoordinatorController {

    private final CoordinatorIdentity identity;

    CoordinatorController(CoordinatorIdentity identity) {
        this.identity = identity;
    }

    @GetMapping("/api/v1/coordinator")
    Map<String, String> describe() {
        return Map.of("nodeId", identity.nodeId(), "runId", identity.runId(), "protocol", "verdict/1");
    }
}
