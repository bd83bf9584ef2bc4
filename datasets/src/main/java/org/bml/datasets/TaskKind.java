package org.bml.datasets;

/** What the targets of a task are, so a consumer can pick a loss without inspecting shapes. */
public enum TaskKind {
    /** Real-valued targets {@code y} of shape {@code [n, 1]}. */
    REGRESSION,
    /** One-hot targets {@code y [n, ways]}; integer labels in {@link EpisodeInfo}. */
    CLASSIFICATION
}
