/** The transaction log: its one write path, group commit, the H2 log's decision file, history and pruning. */
@NullMarked
package dev.verdict.coordinator.log;

import org.jspecify.annotations.NullMarked;
