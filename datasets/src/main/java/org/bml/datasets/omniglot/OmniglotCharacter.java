package org.bml.datasets.omniglot;

/**
 * One Omniglot character and where its drawings sit in {@link OmniglotImages}.
 *
 * @param set        top-level folder of its archive, e.g. {@code images_background}
 * @param alphabet   alphabet folder name, e.g. {@code Latin}
 * @param name       character folder name, e.g. {@code character07}
 * @param id         the global character id from the file names (1..1623 in the full release)
 * @param firstImage index of its first drawing in {@link OmniglotImages}
 * @param imageCount number of drawings (20 in the full release), stored consecutively
 */
public record OmniglotCharacter(String set, String alphabet, String name, int id, int firstImage,
                                int imageCount) {
    /** {@code alphabet/name}, the key used by the split files. */
    public String path() {
        return alphabet + "/" + name;
    }
}
