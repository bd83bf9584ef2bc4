package org.bml.datasets.omniglot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.bml.datasets.DatasetException;
import org.bml.datasets.LoadNotice;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * All Omniglot drawings decoded once into ONE float array, 28x28 row major, ink = 1, paper = 0
 * (area-averaged from the 105x105 1-bit originals, so edge pixels take fractional values).
 *
 * <p><b>Rotations are precomputed.</b> The array holds every drawing under the four
 * counter-clockwise quarter turns: drawing {@code i} turned {@code k} times occupies
 * {@code [((k * n) + i) * 784, ... + 784)} for {@code n = imageCount()}. That is 4 x 102 MB
 * for the full set, traded for episode speed: with rotations applied at episode time by index
 * arithmetic, the strided gather cost about twice the plain copy, and a 32-episode
 * 20-way meta-batch copies 12,800 images, three quarters of them rotated.
 *
 * <p>Images are read straight from the zips (layout
 * {@code <set>/<Alphabet>/characterNN/IIII_DD.png}) without unpacking. Characters are ordered by
 * their global id {@code IIII}, drawings of one character by drawer {@code DD}; this order is
 * independent of the zip's entry order, so seeded splits are reproducible. Any entry that does
 * not fit the layout, any undecodable or wrongly sized PNG, and any archive without images fails
 * the whole load with a {@link DatasetException} naming the file: a data set is never silently
 * smaller. Immutable once loaded and safe to share between threads.
 */
public final class OmniglotImages {
    /** Side of the stored images. */
    public static final int SIDE = 28;
    /** Pixels per stored image. */
    public static final int PIXELS = SIDE * SIDE;

    private static final Pattern ENTRY =
            Pattern.compile("([^/]+)/([^/]+)/([^/]+)/(\\d+)_(\\d+)\\.png");

    private final float[] pixels;
    private final List<OmniglotCharacter> characters;
    private final Map<String, Integer> byPath;
    private final double loadSeconds;

    private OmniglotImages(float[] pixels, List<OmniglotCharacter> characters, double seconds) {
        this.pixels = pixels;
        this.characters = List.copyOf(characters);
        this.loadSeconds = seconds;
        Map<String, Integer> map = new HashMap<>();
        for (int i = 0; i < characters.size(); i++) {
            map.put(characters.get(i).path(), i);
        }
        this.byPath = Collections.unmodifiableMap(map);
    }

    /** Background and evaluation sets from {@link OmniglotPaths#root()}, decoded on 2 threads. */
    public static OmniglotImages load() {
        return fromDirectory(OmniglotPaths.root());
    }

    /**
     * Background and evaluation sets from the data directory {@code root} (which holds
     * {@code images_background.zip} and {@code images_evaluation.zip}), decoded on 2 threads.
     */
    public static OmniglotImages fromDirectory(Path root) {
        return load(2, root.resolve(OmniglotPaths.BACKGROUND_ZIP),
                root.resolve(OmniglotPaths.EVALUATION_ZIP));
    }

    /** Decodes the given zips on up to 2 threads. */
    public static OmniglotImages load(Path... zips) {
        return load(2, zips);
    }

    /**
     * Decodes the given zips (e.g. {@code images_background.zip}, {@code images_evaluation.zip})
     * on {@code threads} threads. Alphabet/character paths must be unique across the zips.
     */
    public static OmniglotImages load(int threads, Path... zips) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        if (zips.length == 0) {
            throw new IllegalArgumentException("no zip files given");
        }
        try (LoadNotice notice = LoadNotice.start("decoding Omniglot images ("
                + zips.length + " zip(s) in " + zips[0].toAbsolutePath().getParent() + ")")) {
            return decode(threads, zips);
        }
    }

    private static OmniglotImages decode(int threads, Path... zips) {
        long t0 = System.nanoTime();
        List<Item> items = new ArrayList<>();
        for (Path zip : zips) {
            items.addAll(list(zip));
        }
        // Group into characters, ordered by global id then path; drawings by drawer.
        Map<String, List<Item>> groups = new HashMap<>();
        for (Item it : items) {
            groups.computeIfAbsent(it.alphabet + "/" + it.character, k -> new ArrayList<>())
                    .add(it);
        }
        List<List<Item>> chars = new ArrayList<>(groups.values());
        for (List<Item> g : chars) {
            g.sort(Comparator.comparingInt((Item i) -> i.drawer).thenComparing(i -> i.entry));
            Item first = g.get(0);
            for (Item i : g) {
                if (i.id != first.id || !i.zip.equals(first.zip)) {
                    throw new DatasetException("character " + first.alphabet + "/"
                            + first.character + " mixes ids or archives: " + first.zip + "!"
                            + first.entry + " and " + i.zip + "!" + i.entry);
                }
            }
        }
        chars.sort(Comparator.comparingInt((List<Item> g) -> g.get(0).id)
                .thenComparing(g -> g.get(0).alphabet + "/" + g.get(0).character));
        List<OmniglotCharacter> meta = new ArrayList<>(chars.size());
        List<Item> ordered = new ArrayList<>(items.size());
        for (List<Item> g : chars) {
            Item f = g.get(0);
            meta.add(new OmniglotCharacter(f.set, f.alphabet, f.character, f.id, ordered.size(),
                    g.size()));
            ordered.addAll(g);
        }
        float[] pixels = new float[Math.multiplyExact(4 * ordered.size(), PIXELS)];
        decodeAll(ordered, pixels, threads);
        return new OmniglotImages(pixels, meta, (System.nanoTime() - t0) / 1e9);
    }

    /** One PNG entry: where it is and what its path says. */
    private record Item(Path zip, String entry, String set, String alphabet, String character,
                        int id, int drawer) {
    }

    private static List<Item> list(Path zip) {
        checkReadable(zip);
        List<Item> out = new ArrayList<>();
        try (ZipFile zf = open(zip)) {
            var en = zf.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                Matcher m = ENTRY.matcher(e.getName());
                if (!m.matches()) {
                    throw new DatasetException("unexpected entry " + e.getName() + " in " + zip
                            + ": expected <set>/<Alphabet>/<character>/IIII_DD.png");
                }
                out.add(new Item(zip, e.getName(), m.group(1), m.group(2), m.group(3),
                        Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5))));
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read zip " + zip + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new DatasetException("no Omniglot PNG images in " + zip);
        }
        return out;
    }

    static void checkReadable(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("file not found: " + file.toAbsolutePath());
        }
    }

    static ZipFile open(Path zip) {
        try {
            return new ZipFile(zip.toFile());
        } catch (ZipException e) {
            throw new DatasetException("not a zip file: " + zip + " (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DatasetException("cannot open zip " + zip + ": " + e.getMessage(), e);
        }
    }

    static byte[] read(ZipFile zf, ZipEntry e, Path zip) {
        try (InputStream in = zf.getInputStream(e)) {
            return in.readAllBytes();
        } catch (IOException ex) {
            throw new DatasetException("cannot read " + e.getName() + " in " + zip + ": "
                    + ex.getMessage(), ex);
        }
    }

    /**
     * Decodes {@code items[i]} into slot {@code i}. Each thread takes a contiguous chunk and
     * opens its own ZipFile handles, so threads share nothing but the output array.
     */
    private static void decodeAll(List<Item> items, float[] pixels, int threads) {
        int n = items.size();
        int workers = Math.max(1, Math.min(threads, n / 64 + 1));
        if (workers == 1) {
            decodeRange(items, 0, n, pixels);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "omniglot-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int lo = (int) ((long) n * w / workers);
                int hi = (int) ((long) n * (w + 1) / workers);
                futures.add(pool.submit(() -> decodeRange(items, lo, hi, pixels)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new DatasetException("decoding failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException("interrupted while decoding Omniglot", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void decodeRange(List<Item> items, int lo, int hi, float[] pixels) {
        InkDecoder decoder = new InkDecoder(SIDE);
        int n = items.size();
        int[][] maps = {null, ImageOps.rotationMap(SIDE, 1), ImageOps.rotationMap(SIDE, 2),
            ImageOps.rotationMap(SIDE, 3)};
        Map<Path, ZipFile> open = new HashMap<>();
        try {
            for (int i = lo; i < hi; i++) {
                Item it = items.get(i);
                ZipFile zf = open.computeIfAbsent(it.zip, OmniglotImages::open);
                ZipEntry e = zf.getEntry(it.entry);
                int base = i * PIXELS;
                decoder.decode(read(zf, e, it.zip), it.zip + "!" + it.entry, pixels, base);
                for (int k = 1; k < 4; k++) {
                    int[] map = maps[k];
                    int to = (k * n + i) * PIXELS;
                    for (int p = 0; p < PIXELS; p++) {
                        pixels[to + p] = pixels[base + map[p]];
                    }
                }
            }
        } finally {
            for (ZipFile zf : open.values()) {
                try {
                    zf.close();
                } catch (IOException ignored) {
                    // Read-only handle; nothing to recover.
                }
            }
        }
    }

    /** Number of images (drawings) over all characters. */
    public int imageCount() {
        return pixels.length / (4 * PIXELS);
    }

    /** Characters in id order; character {@code c}'s drawings are consecutive images. */
    public List<OmniglotCharacter> characters() {
        return characters;
    }

    public int characterCount() {
        return characters.size();
    }

    /** Index in {@link #characters()} of {@code Alphabet/characterNN}, or -1 if absent. */
    public int characterIndex(String path) {
        return byPath.getOrDefault(path, -1);
    }

    /** Wall-clock seconds the load took (listing, reading, decoding, resizing). */
    public double loadSeconds() {
        return loadSeconds;
    }

    /** A copy of image {@code i} (28x28 row major). */
    public float[] image(int i) {
        return image(i, 0);
    }

    /** A copy of image {@code i} turned counter-clockwise {@code quarterTurns} (0..3) times. */
    public float[] image(int i, int quarterTurns) {
        if (i < 0 || i >= imageCount()) {
            throw new IndexOutOfBoundsException("image " + i + " of " + imageCount());
        }
        int from = offset(i, quarterTurns);
        return Arrays.copyOfRange(pixels, from, from + PIXELS);
    }

    /** Start of image {@code i} under {@code quarterTurns} in {@link #pixels()}. */
    int offset(int i, int quarterTurns) {
        if (quarterTurns < 0 || quarterTurns > 3) {
            throw new IllegalArgumentException("quarterTurns must be 0..3, got " + quarterTurns);
        }
        return (quarterTurns * imageCount() + i) * PIXELS;
    }

    /** All unrotated images as a new {@code [n, 1, 28, 28]} array (~100 MB for the full set). */
    public INDArray toINDArray(DataType dataType) {
        float[] plain = Arrays.copyOf(pixels, imageCount() * PIXELS);
        return Nd4j.create(plain, new long[] {imageCount(), 1, SIDE, SIDE}, DataType.FLOAT)
                .castTo(dataType);
    }

    /** The backing array itself, for the episode samplers of this package; never modified. */
    float[] pixels() {
        return pixels;
    }
}
