package org.bml.datasets.omniglot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates the Omniglot data directory, which holds {@code images_background.zip},
 * {@code images_evaluation.zip}, {@code one-shot-classification/all_runs.zip} and
 * {@code splits/vinyals/*.txt}. The data is never copied into the repository; it is found:
 * <ol>
 *   <li>at the system property {@value #PROPERTY} when set (and only there);</li>
 *   <li>else at {@code ../shared/data/omniglot} relative to the working directory;</li>
 *   <li>else at {@code shared/data/omniglot} in the working directory or the nearest ancestor
 *       that has it (so module directories and the repository root both work).</li>
 * </ol>
 */
public final class OmniglotPaths {
    /** System property naming the data directory. */
    public static final String PROPERTY = "bml.data.dir";
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
        Path cwd = Path.of("").toAbsolutePath();
        Path sibling = cwd.resolve("../shared/data/omniglot").normalize();
        if (Files.isDirectory(sibling)) {
            return Optional.of(sibling);
        }
        for (Path dir = cwd; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/data/omniglot");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The data directory, or a {@link org.bml.datasets.DatasetException} saying where it looked. */
    public static Path root() {
        String prop = System.getProperty(PROPERTY);
        String where = prop != null
                ? " (it is set to '" + prop + "', not a directory)"
                : "; looked for ../shared/data/omniglot and shared/data/omniglot upwards from "
                        + Path.of("").toAbsolutePath();
        return find().orElseThrow(() -> new org.bml.datasets.DatasetException(
                "Omniglot data directory not found: set -D" + PROPERTY + "=DIR" + where));
    }
}
