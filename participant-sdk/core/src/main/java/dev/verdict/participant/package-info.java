@NullMarked
package dev.verdict.participant;

import org.jspecify.annotations.NullMarked;
