/** Benchmarks: {@code bench <case> <value> <unit>} lines, medians of timed windows after warm-up. */
package org.bml.bench;
