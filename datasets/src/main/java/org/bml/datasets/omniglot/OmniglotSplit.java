package org.bml.datasets.omniglot;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named list of Omniglot classes. A class is a character under a rotation, encoded as
 * {@code characterIndex * 4 + quarterTurns} ({@code characterIndex} into
 * {@link OmniglotImages#characters()}, {@code quarterTurns} in 0..3 counter-clockwise); the
 * rotated drawings themselves are precomputed in {@link OmniglotImages}.
 *
 * @param name    e.g. {@code maml-train} or {@code vinyals-test}
 * @param classes class codes in a fixed order (defensively copied)
 */
public record OmniglotSplit(String name, int[] classes) {

    public OmniglotSplit {
        Objects.requireNonNull(name, "name");
        classes = classes.clone();
        if (classes.length == 0) {
            throw new IllegalArgumentException("split " + name + " has no classes");
        }
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int c : classes) {
            if (c < 0) {
                throw new IllegalArgumentException("split " + name + " has a negative class " + c);
            }
            if (!seen.add(c)) {
                // A repeated class could appear twice in one episode under two labels.
                throw new IllegalArgumentException("split " + name + " repeats class " + c);
            }
        }
    }

    /** The class code of character {@code characterIndex} rotated by {@code quarterTurns}. */
    public static int classCode(int characterIndex, int quarterTurns) {
        if (quarterTurns < 0 || quarterTurns > 3) {
            throw new IllegalArgumentException("quarterTurns must be 0..3, got " + quarterTurns);
        }
        return characterIndex * 4 + quarterTurns;
    }

    public static int characterOf(int classCode) {
        return classCode >>> 2;
    }

    public static int quarterTurnsOf(int classCode) {
        return classCode & 3;
    }

    /** A copy of the class codes. */
    @Override
    public int[] classes() {
        return classes.clone();
    }

    public int size() {
        return classes.length;
    }

    /** Class code at position {@code i}. */
    public int classAt(int i) {
        return classes[i];
    }

    /** {@code Alphabet/characterNN/rotDDD}, the naming of the split files. */
    public static String className(OmniglotImages images, int classCode) {
        return images.characters().get(characterOf(classCode)).path() + "/rot"
                + String.format("%03d", 90 * quarterTurnsOf(classCode));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OmniglotSplit s && s.name.equals(name)
                && Arrays.equals(s.classes, classes);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(classes);
    }

    @Override
    public String toString() {
        return "OmniglotSplit[" + name + ", " + classes.length + " classes]";
    }
}
