@NullMarked
package dev.verdict.coordinator.participant;

import org.jspecify.annotations.NullMarked;
