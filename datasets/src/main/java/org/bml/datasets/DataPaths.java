package org.bml.datasets;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where bml's data sets live: one data folder holding a folder per data set (e.g. {@code omniglot/}).
 * It is, in this order:
 * <ol>
 *   <li>the system property {@value #PROPERTY} ({@code -Dbml.data=DIR}, e.g. in {@code JAVA_OPTS}
 *       for {@code ./bml}) when set;</li>
 *   <li>else the environment variable {@value #ENV} when set;</li>
 *   <li>else {@code ../shared/data} beside the bml checkout these classes were built in (found from
 *       this class's location, so neither the working directory nor the module matters).</li>
 * </ol>
 * A setting is taken as given: when it names no directory, nothing else is tried. A library used
 * from a Maven repository has no checkout, so it needs the setting.
 */
public final class DataPaths {
    /** System property naming the data folder. */
    public static final String PROPERTY = "bml.data";
    /** Environment variable naming the data folder. */
    public static final String ENV = "BML_DATA";

    private DataPaths() {
    }

    /** One place looked at: the folder and why it was a candidate. */
    public record Candidate(Path dir, String source) {
        @Override
        public String toString() {
            return dir + " (" + source + ")";
        }
    }

    /** The data folder candidates for the current settings, first to last (at most one is a setting). */
    public static List<Candidate> candidates() {
        return candidates(System.getProperty(PROPERTY), System.getenv(ENV), checkout());
    }

    /**
     * The candidates for given settings: the property if set, else the environment variable if set,
     * else the checkout's {@code ../shared/data} (if a checkout is known).
     */
    public static List<Candidate> candidates(String property, String env, Optional<Path> checkout) {
        List<Candidate> out = new ArrayList<>();
        if (property != null && !property.isBlank()) {
            out.add(new Candidate(Path.of(property).toAbsolutePath().normalize(), "-D" + PROPERTY));
        } else if (env != null && !env.isBlank()) {
            out.add(new Candidate(Path.of(env).toAbsolutePath().normalize(), ENV));
        } else {
            checkout.ifPresent(c -> out.add(new Candidate(c.resolve("../shared/data").normalize(),
                    "default: ../shared/data beside the checkout " + c)));
        }
        return out;
    }

    /** Data set folder {@code name} under the first candidate that has it, else empty. */
    public static Optional<Path> find(String name) {
        for (Candidate c : candidates()) {
            Path p = c.dir().resolve(name);
            if (Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Data set folder {@code name}, or a {@link DatasetException} naming the settings and every path
     * tried.
     */
    public static Path dataset(String name) {
        return find(name).orElseThrow(() -> new DatasetException(notFound(name, candidates())));
    }

    /** The message of a data set not found under the given candidates. */
    public static String notFound(String name, List<Candidate> tried) {
        StringBuilder b = new StringBuilder("data set folder '" + name + "' not found; tried: ");
        if (tried.isEmpty()) {
            b.append("nothing (no setting, and these classes are not in a bml checkout)");
        }
        for (int i = 0; i < tried.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(tried.get(i).dir().resolve(name)).append(" (")
                    .append(tried.get(i).source()).append(')');
        }
        return b.append(". Set the data folder (the one holding ").append(name).append("/) with -D")
                .append(PROPERTY).append("=DIR (for ./bml: JAVA_OPTS=-D").append(PROPERTY)
                .append("=DIR) or the environment variable ").append(ENV).append("=DIR").toString();
    }

    /**
     * The bml checkout these classes come from: the nearest folder above their location (a
     * {@code target/classes} folder or a jar in {@code target/} or {@code cli/target/lib/}) that
     * holds a {@code pom.xml} and a {@code datasets/} module; empty when there is none.
     */
    public static Optional<Path> checkout() {
        try {
            CodeSource src = DataPaths.class.getProtectionDomain().getCodeSource();
            if (src == null || src.getLocation() == null) {
                return Optional.empty();
            }
            return checkoutAbove(Path.of(src.getLocation().toURI()));
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The nearest folder at or above {@code start} holding {@code pom.xml} and {@code datasets/pom.xml}. */
    public static Optional<Path> checkoutAbove(Path start) {
        for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pom.xml")) && Files.isRegularFile(d.resolve("datasets/pom.xml"))) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
