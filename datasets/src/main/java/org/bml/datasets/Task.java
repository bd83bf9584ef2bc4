package org.bml.datasets;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One few-shot task: adapt on the support set, evaluate on the query set.
 *
 * <p>Shapes: regression {@code x [n, d]}, {@code y [n, 1]}; classification {@code x [n, 1, 28, 28]}
 * (ink = 1, background = 0), {@code y [n, ways]} one-hot with integer labels in
 * {@link EpisodeInfo}. Arrays are freshly allocated per task; the caller owns them.
 *
 * @param info what generated the task (true function, parameters, classes)
 */
public record Task(INDArray supportX, INDArray supportY, INDArray queryX, INDArray queryY,
                   TaskInfo info) {

    public Task {
        Objects.requireNonNull(info, "info");
        if (supportX.size(0) != supportY.size(0) || queryX.size(0) != queryY.size(0)) {
            throw new IllegalArgumentException("x and y disagree on the number of rows: support "
                    + supportX.size(0) + " vs " + supportY.size(0) + ", query "
                    + queryX.size(0) + " vs " + queryY.size(0));
        }
    }

    /** Integer labels of the support rows; only for classification tasks. */
    public int[] supportLabels() {
        return episode().supportLabels();
    }

    /** Integer labels of the query rows; only for classification tasks. */
    public int[] queryLabels() {
        return episode().queryLabels();
    }

    private EpisodeInfo episode() {
        if (info instanceof EpisodeInfo e) {
            return e;
        }
        throw new IllegalStateException("not a classification task: " + info);
    }
}
