@NullMarked
package dev.verdict.coordinator.branch;

import org.jspecify.annotations.NullMarked;
