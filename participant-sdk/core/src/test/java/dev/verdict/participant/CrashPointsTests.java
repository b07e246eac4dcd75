package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class CrashPointsTests {

    final List<Integer> halts = new ArrayList<>();

    @Test
    void unarmedCrashPointsNeverHalt() {
        CrashPoints none = CrashPoints.none();

        none.reach(CrashPoints.AFTER_PREPARE);
        none.reach(CrashPoints.AFTER_COMMIT);

        assertThat(none.armed()).isNull();
    }

    @Test
    void anArmedPointHaltsWithStatus86ThereAndNowhereElse() {
        CrashPoints armed = new CrashPoints(CrashPoints.AFTER_COMMIT, halts::add);

        armed.reach(CrashPoints.AFTER_PREPARE);
        assertThat(halts).isEmpty();
        armed.reach(CrashPoints.AFTER_COMMIT);

        assertThat(halts).containsExactly(86);
    }

    @Test
    void armingAPointThatDoesNotExistFailsNamingTheSettingAndTheChoices() {
        assertThatThrownBy(() -> CrashPoints.armedAt("after-lunch")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("verdict.participant.crash-point must be one of [after-prepare, before-commit, after-commit], but was 'after-lunch'");
    }

    @Test
    void armingAKnownPointNamesIt() {
        assertThat(CrashPoints.armedAt(CrashPoints.AFTER_PREPARE).armed()).isEqualTo(CrashPoints.AFTER_PREPARE);
    }
}
