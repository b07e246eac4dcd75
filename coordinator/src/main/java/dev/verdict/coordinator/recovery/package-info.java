@NullMarked
package dev.verdict.coordinator.recovery;

import org.jspecify.annotations.NullMarked;
