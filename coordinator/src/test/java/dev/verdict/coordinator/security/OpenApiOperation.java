package dev.verdict.coordinator.security;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.yaml.snakeyaml.Yaml;

/**
 * The coordinator's operations as src-docs/openapi.yaml describes them, with the roles each one's
 * {@code security} names. Tests walk this list, so an endpoint added to the document is tested at once,
 * and one missing from it is found by {@link #ALL_ROLES the role check} of the controllers' paths.
 */
record OpenApiOperation(String method, String path, Set<String> roles, boolean open) {

    static final Set<String> ALL_ROLES = Set.of("CLIENT", "PARTICIPANT", "OPERATOR");
    private static final Path DOCUMENT = Path.of("..", "src-docs", "openapi.yaml");

    /** The operations the coordinator serves (those the participants serve are left out). */
    @SuppressWarnings("unchecked")
    static List<OpenApiOperation> coordinatorOperations() {
        Map<String, Object> document;
        try (Reader reader = Files.newBufferedReader(DOCUMENT)) {
            document = new Yaml().load(reader);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DOCUMENT.toAbsolutePath(), e);
        }
        List<OpenApiOperation> operations = new ArrayList<>();
        ((Map<String, Map<String, Object>>) document.get("paths")).forEach((path, item) -> item.forEach((method, value) -> {
            if (!(value instanceof Map<?, ?> operation) || operation.get("operationId") == null) {
                return;
            }
            if (((List<String>) operation.get("tags")).stream().anyMatch(tag -> tag.startsWith("participant"))) {
                return;
            }
            List<Map<String, List<String>>> security = (List<Map<String, List<String>>>) operation.get("security");
            if (security == null) {
                throw new IllegalStateException(method + " " + path + " in openapi.yaml says nothing of who may call it (security)");
            }
            Set<String> roles = new TreeSet<>();
            security.forEach(requirement -> requirement.values().forEach(roles::addAll));
            operations.add(new OpenApiOperation(method.toUpperCase(), path, roles, security.isEmpty()));
        }));
        return operations;
    }

    /** The path with its parameters filled in. */
    String pathFor(String transactionId, String branchId) {
        return path.replace("{id}", transactionId).replace("{branchId}", branchId);
    }

    /** A body the operation accepts, so that a refusal can only be about who calls. */
    String validBody(String participantUrl) {
        if (!method.equals("POST")) {
            return null;
        }
        if (path.equals("/api/v1/registrations")) {
            return "{\"registrations\":[{\"transactionId\":\"node1-someone-elses\",\"name\":\"intruder\",\"url\":\""
                    + participantUrl + "\"}]}";
        }
        if (path.endsWith("/participants")) {
            return "{\"name\":\"intruder\",\"url\":\"" + participantUrl + "\"}";
        }
        return path.startsWith("/api/v1/admin") ? "{\"reason\":\"trying my luck\"}" : "{}";
    }

    @Override
    public String toString() {
        return method + " " + path + " " + roles;
    }
}
