@NullMarked
package dev.verdict.coordinator.web;

import org.jspecify.annotations.NullMarked;
