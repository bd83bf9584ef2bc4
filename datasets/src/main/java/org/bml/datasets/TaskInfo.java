package org.bml.datasets;

/**
 * What generated a task: enough for plots, oracles and debugging.
 *
 * <p>Implementations are immutable records specific to each distribution (for example the true
 * amplitude and phase of a sinusoid, or the classes of an episode); use pattern matching
 * ({@code info instanceof SineInfo s}) to reach the specific fields.
 */
public interface TaskInfo {
    /** The index the task was drawn at (for pooled distributions, the index as requested). */
    long index();
}
