/** Who may call what: tokens, operators' sign-in, roles, limits per caller, and credentials made at first start. */
@NullMarked
package dev.verdict.coordinator.security;

import org.jspecify.annotations.NullMarked;
