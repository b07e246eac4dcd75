package dev.verdict.coordinator.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class TimeOrderedIdsTests {

    @Test
    void idsAreVersion7UuidsThatSortByTheMillisecondTheyWereMadeIn() {
        long now = System.currentTimeMillis();
        List<String> ids = new ArrayList<>();
        for (long millis : new long[] {now, now + 1, now + 2, now + 1_000, now + 86_400_000}) {
            ids.add(TimeOrderedIds.at(millis));
        }

        assertThat(ids).isSorted();
        ids.forEach(id -> {
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(7);
            assertThat(uuid.variant()).isEqualTo(2);
        });
    }

    @Test
    void idsMadeInTheSameMillisecondDifferInTheirRandomBits() {
        var ids = new HashSet<String>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(TimeOrderedIds.next());
        }

        assertThat(ids).hasSize(10_000);
    }

    @Test
    void aTransactionIdTellsTheMillisecondItWasMadeIn() {
        long made = 1_795_816_221_509L;

        assertThat(TimeOrderedIds.timeOf("node-1-" + TimeOrderedIds.at(made))).contains(java.time.Instant.ofEpochMilli(made));
        assertThat(TimeOrderedIds.timeOf("node1-" + UUID.randomUUID())).as("version 4: no time in it").isEmpty();
        assertThat(TimeOrderedIds.timeOf("no-such-id")).isEmpty();
        assertThat(TimeOrderedIds.timeOf(TimeOrderedIds.at(made))).as("no node id").isEmpty();
    }
}
