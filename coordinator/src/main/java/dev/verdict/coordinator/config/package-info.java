@NullMarked
package dev.verdict.coordinator.config;

import org.jspecify.annotations.NullMarked;
