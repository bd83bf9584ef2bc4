package org.bml.datasets;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Metadata of an N-way classification episode.
 *
 * @param index         the task index the episode was drawn at
 * @param classes       {@code classes[label]}: the data set's class id given this label in the
 *                      episode (the label assignment is what differs between episodes)
 * @param classNames    human-readable name of each label's class, same order as {@code classes}
 * @param supportLabels integer label of each support row, in row order
 * @param queryLabels   integer label of each query row, in row order
 *
 * <p>The accessors return the record's own arrays (no copy, since labels are read per batch);
 * treat them as read-only.
 */
public record EpisodeInfo(long index, int[] classes, List<String> classNames,
                          int[] supportLabels, int[] queryLabels) implements TaskInfo {

    public EpisodeInfo {
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(supportLabels, "supportLabels");
        Objects.requireNonNull(queryLabels, "queryLabels");
        classNames = List.copyOf(classNames);
        if (classNames.size() != classes.length) {
            throw new IllegalArgumentException("classNames has " + classNames.size()
                    + " entries but classes has " + classes.length);
        }
    }

    /** Number of classes N in the episode. */
    public int ways() {
        return classes.length;
    }

    // Records compare arrays by reference; reproducibility checks need value equality.
    @Override
    public boolean equals(Object o) {
        return o instanceof EpisodeInfo e && e.index == index
                && Arrays.equals(e.classes, classes) && e.classNames.equals(classNames)
                && Arrays.equals(e.supportLabels, supportLabels)
                && Arrays.equals(e.queryLabels, queryLabels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, Arrays.hashCode(classes), classNames,
                Arrays.hashCode(supportLabels), Arrays.hashCode(queryLabels));
    }

    @Override
    public String toString() {
        return "EpisodeInfo[index=" + index + ", classes=" + Arrays.toString(classes)
                + ", classNames=" + classNames + ", supportLabels=" + Arrays.toString(supportLabels)
                + ", queryLabels=" + Arrays.toString(queryLabels) + "]";
    }
}
