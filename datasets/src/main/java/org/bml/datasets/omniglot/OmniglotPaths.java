package org.bml.datasets.omniglot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.bml.datasets.DataPaths;

/**
 * Locates the Omniglot data directory, which holds {@code images_background.zip},
 * {@code images_evaluation.zip}, {@code one-shot-classification/all_runs.zip} and
 * {@code splits/vinyals/*.txt}. The data is never copied into the repository; it is found:
 * <ol>
 *   <li>at the system property {@value #PROPERTY} when set (the Omniglot folder itself; and only
 *       there);</li>
 *   <li>else at {@value #FOLDER} in the data folder of {@link DataPaths} ({@code -Dbml.data},
 *       {@code BML_DATA}, default {@code ../shared/data} beside the checkout).</li>
 * </ol>
 */
public final class OmniglotPaths {
    /** System property naming the Omniglot directory itself (overrides {@link DataPaths}). */
    public static final String PROPERTY = "bml.data.dir";
    /** The Omniglot folder's name in the data folder. */
    public static final String FOLDER = "omniglot";
    public static final String BACKGROUND_ZIP = "images_background.zip";
    public static final String EVALUATION_ZIP = "images_evaluation.zip";
    public static final String ONE_SHOT_ZIP = "one-shot-classification/all_runs.zip";

    private OmniglotPaths() {
    }

    /** The data directory if one of the candidates exists, else empty. */
    public static Optional<Path> find() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop).toAbsolutePath().normalize();
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        return DataPaths.find(FOLDER);
    }

    /** The data directory, or a {@link org.bml.datasets.DatasetException} naming the settings and paths tried. */
    public static Path root() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return find().orElseThrow(() -> new org.bml.datasets.DatasetException(
                    "Omniglot data directory not found: -D" + PROPERTY + " is set to '" + prop
                            + "', not a directory"));
        }
        return find().orElseThrow(() -> new org.bml.datasets.DatasetException(
                "Omniglot " + DataPaths.notFound(FOLDER, DataPaths.candidates())
                        + " (or -D" + PROPERTY + "=DIR to the Omniglot folder itself)"));
    }
}
