/** What both sides of the participant protocol share, with no framework in it. */
@NullMarked
package dev.verdict.protocol;

import org.jspecify.annotations.NullMarked;
