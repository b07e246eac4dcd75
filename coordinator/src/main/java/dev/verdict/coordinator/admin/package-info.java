@NullMarked
package dev.verdict.coordinator.admin;

import org.jspecify.annotations.NullMarked;
