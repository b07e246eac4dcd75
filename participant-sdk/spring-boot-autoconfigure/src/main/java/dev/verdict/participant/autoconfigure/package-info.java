@NullMarked
package dev.verdict.participant.autoconfigure;

import org.jspecify.annotations.NullMarked;
