@NullMarked
package dev.verdict.coordinator.transaction;

import org.jspecify.annotations.NullMarked;
