package org.bml.datasets.omniglot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bml.datasets.DatasetException;

/** Standard ways to divide Omniglot into meta-training and meta-test classes. */
public final class OmniglotSplits {
    /** Characters in the MAML training split (of 1623). */
    public static final int MAML_TRAIN_CHARACTERS = 1200;

    private static final Pattern LINE = Pattern.compile("([^/]+/[^/]+)/rot(\\d{3})");

    private OmniglotSplits() {
    }

    /** A training and a test split of disjoint characters. */
    public record TrainTest(OmniglotSplit train, OmniglotSplit test) {
    }

    /**
     * The MAML protocol (Finn et al. 2017): shuffle all characters (in id order) with
     * {@code seed}, take the first 1200 for training and the rest (423) for test, each character
     * under the four rotations 0/90/180/270 as separate classes.
     */
    public static TrainTest maml(OmniglotImages images, long seed) {
        return maml(images, seed, MAML_TRAIN_CHARACTERS, true);
    }

    /**
     * Seeded character split: {@code trainCharacters} characters for training, the rest for
     * test; with {@code rotations}, each character gives 4 classes, else 1 (unrotated).
     */
    public static TrainTest maml(OmniglotImages images, long seed, int trainCharacters,
                                 boolean rotations) {
        int n = images.characterCount();
        if (trainCharacters <= 0 || trainCharacters >= n) {
            throw new IllegalArgumentException("trainCharacters must be in 1.." + (n - 1)
                    + " for " + n + " characters, got " + trainCharacters);
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int r = rotations ? 4 : 1;
        int[] train = new int[trainCharacters * r];
        int[] test = new int[(n - trainCharacters) * r];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < r; k++) {
                int code = OmniglotSplit.classCode(order[i], k);
                if (i < trainCharacters) {
                    train[i * r + k] = code;
                } else {
                    test[(i - trainCharacters) * r + k] = code;
                }
            }
        }
        return new TrainTest(new OmniglotSplit("maml-train", train),
                new OmniglotSplit("maml-test", test));
    }

    /** Every character, with or without the four rotations, in id order. */
    public static OmniglotSplit all(OmniglotImages images, boolean rotations) {
        int r = rotations ? 4 : 1;
        int[] classes = new int[images.characterCount() * r];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = OmniglotSplit.classCode(i / r, i % r);
        }
        return new OmniglotSplit("all", classes);
    }

    /**
     * A Vinyals et al. split file from {@code root/splits/vinyals/<name>.txt}; name is one of
     * {@code train}, {@code val}, {@code test}, {@code trainval}.
     */
    public static OmniglotSplit vinyals(OmniglotImages images, Path root, String name) {
        return vinyals(images, root.resolve("splits").resolve("vinyals").resolve(name + ".txt"));
    }

    /**
     * Reads a split file of lines {@code Alphabet/characterNN/rotDDD} (DDD in 000, 090, 180,
     * 270); blank lines are skipped. Every character must exist in {@code images} and no class
     * may repeat, else a {@link DatasetException} names the file and line.
     */
    public static OmniglotSplit vinyals(OmniglotImages images, Path file) {
        OmniglotImages.checkReadable(file);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetException("cannot read split file " + file + ": " + e.getMessage(), e);
        }
        List<Integer> classes = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            int degrees = m.matches() ? Integer.parseInt(m.group(2)) : -1;
            if (degrees < 0 || degrees % 90 != 0 || degrees > 270) {
                throw new DatasetException(file + ":" + (i + 1) + ": expected "
                        + "Alphabet/characterNN/rot{000,090,180,270}, got '" + line + "'");
            }
            int c = images.characterIndex(m.group(1));
            if (c < 0) {
                throw new DatasetException(file + ":" + (i + 1) + ": unknown character "
                        + m.group(1) + " (not in the loaded images)");
            }
            int code = OmniglotSplit.classCode(c, degrees / 90);
            if (!seen.add(code)) {
                throw new DatasetException(file + ":" + (i + 1) + ": duplicate class " + line);
            }
            classes.add(code);
        }
        if (classes.isEmpty()) {
            throw new DatasetException("split file " + file + " lists no classes");
        }
        String base = file.getFileName().toString().replaceFirst("\\.txt$", "");
        return new OmniglotSplit("vinyals-" + base,
                classes.stream().mapToInt(Integer::intValue).toArray());
    }
}
