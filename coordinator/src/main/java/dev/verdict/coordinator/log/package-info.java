/** The transaction log: its one write path, group commit, history and pruning. */
@NullMarked
package dev.verdict.coordinator.log;

import org.jspecify.annotations.NullMarked;
