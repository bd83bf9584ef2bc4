package org.bml.datasets.omniglot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.bml.datasets.DatasetException;
import org.bml.datasets.EpisodeInfo;
import org.bml.datasets.Task;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.TaskDistribution;
import org.bml.datasets.TaskInfo;
import org.bml.datasets.TaskKind;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The original one-shot benchmark of Lake et al. 2015: {@code all_runs.zip} holds 20 runs of
 * 20-way one-shot classification. Run {@code runNN/} has {@code training/classJJ.png} (one
 * drawing per class), {@code test/itemKK.png} (the queries) and {@code class_labels.txt}, whose
 * lines {@code runNN/test/itemKK.png runNN/training/classJJ.png} give each query's class.
 *
 * <p>Each run is one fixed episode: support = the training images in file-name order with
 * labels 0..N-1 (classJJ gets label JJ-1 in the standard files), query = the test items in the
 * order of {@code class_labels.txt}. Images are processed exactly like {@link OmniglotImages}
 * (28x28, ink = 1). As a {@link TaskDistribution}, {@code task(seed, r)} is run {@code r}
 * (0-based) and the seed is ignored: the episodes are fixed by design.
 */
public final class OneShotBenchmark implements TaskDistribution {
    private static final Pattern ENTRY =
            Pattern.compile("(run\\d+)/(?:(class_labels\\.txt)|(training|test)/([^/]+\\.png))");
    private static final int P = OmniglotImages.PIXELS;

    private final List<Run> runs;
    private final DataType dataType;
    private final int ways;
    private final int queries;

    /** One run, decoded. */
    private record Run(String name, float[] support, float[] query, int[] queryLabels,
                       List<String> classNames) {
    }

    private OneShotBenchmark(List<Run> runs, DataType dataType) {
        this.runs = List.copyOf(runs);
        this.dataType = dataType;
        this.ways = runs.get(0).classNames.size();
        this.queries = runs.get(0).queryLabels.length;
        for (Run r : runs) {
            if (r.classNames.size() != ways || r.queryLabels.length != queries) {
                throw new DatasetException("run " + r.name + " has " + r.classNames.size()
                        + " classes and " + r.queryLabels.length + " queries; run "
                        + runs.get(0).name + " has " + ways + " and " + queries);
            }
        }
    }

    /** {@code one-shot-classification/all_runs.zip} under {@link OmniglotPaths#root()}. */
    public static OneShotBenchmark load() {
        return load(OmniglotPaths.root().resolve(OmniglotPaths.ONE_SHOT_ZIP), DataType.FLOAT);
    }

    public static OneShotBenchmark load(Path zip) {
        return load(zip, DataType.FLOAT);
    }

    public static OneShotBenchmark load(Path zip, DataType dataType) {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
        }
        OmniglotImages.checkReadable(zip);
        Map<String, Map<String, ZipEntry>> training = new TreeMap<>();
        Map<String, Map<String, ZipEntry>> test = new TreeMap<>();
        Map<String, ZipEntry> labels = new TreeMap<>();
        List<Run> runs = new ArrayList<>();
        try (ZipFile zf = OmniglotImages.open(zip)) {
            var en = zf.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                Matcher m = ENTRY.matcher(e.getName());
                if (!m.matches()) {
                    throw new DatasetException("unexpected entry " + e.getName() + " in " + zip
                            + ": expected runNN/class_labels.txt, runNN/training/*.png or "
                            + "runNN/test/*.png");
                }
                String run = m.group(1);
                if (m.group(2) != null) {
                    labels.put(run, e);
                } else {
                    (m.group(3).equals("training") ? training : test)
                            .computeIfAbsent(run, k -> new TreeMap<>()).put(e.getName(), e);
                }
            }
            java.util.Set<String> names = new java.util.TreeSet<>(labels.keySet());
            names.addAll(training.keySet());
            names.addAll(test.keySet());
            if (names.isEmpty()) {
                throw new DatasetException("no runs in " + zip);
            }
            InkDecoder decoder = new InkDecoder(OmniglotImages.SIDE);
            for (String run : names) {
                runs.add(readRun(zf, zip, run, labels.get(run),
                        training.getOrDefault(run, Map.of()), test.getOrDefault(run, Map.of()),
                        decoder));
            }
        } catch (java.io.IOException e) {
            throw new DatasetException("cannot read zip " + zip + ": " + e.getMessage(), e);
        }
        return new OneShotBenchmark(runs, dataType);
    }

    private static Run readRun(ZipFile zf, Path zip, String run, ZipEntry labelsEntry,
                               Map<String, ZipEntry> training, Map<String, ZipEntry> test,
                               InkDecoder decoder) {
        if (labelsEntry == null) {
            throw new DatasetException(zip + ": run " + run + " has no class_labels.txt");
        }
        if (training.isEmpty()) {
            throw new DatasetException(zip + ": run " + run + " has no training/*.png images");
        }
        List<String> classNames = new ArrayList<>(training.keySet()); // sorted: label order
        float[] support = new float[classNames.size() * P];
        for (int j = 0; j < classNames.size(); j++) {
            String name = classNames.get(j);
            decoder.decode(OmniglotImages.read(zf, training.get(name), zip), zip + "!" + name,
                    support, j * P);
        }
        String text = new String(OmniglotImages.read(zf, labelsEntry, zip),
                StandardCharsets.UTF_8);
        List<String[]> pairs = new ArrayList<>();
        String[] lines = text.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length != 2) {
                throw new DatasetException(zip + "!" + labelsEntry.getName() + ":" + (i + 1)
                        + ": expected '<test image> <training image>', got '" + line + "'");
            }
            pairs.add(parts);
        }
        if (pairs.isEmpty()) {
            throw new DatasetException(zip + "!" + labelsEntry.getName() + " lists no queries");
        }
        float[] query = new float[pairs.size() * P];
        int[] queryLabels = new int[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            String item = pairs.get(i)[0];
            String cls = pairs.get(i)[1];
            ZipEntry e = test.get(item);
            int label = Collections.binarySearch(classNames, cls);
            if (e == null || label < 0) {
                throw new DatasetException(zip + "!" + labelsEntry.getName() + ": line "
                        + (i + 1) + " names " + (e == null ? item : cls)
                        + ", which is not in the archive");
            }
            decoder.decode(OmniglotImages.read(zf, e, zip), zip + "!" + item, query, i * P);
            queryLabels[i] = label;
        }
        return new Run(run, support, query, queryLabels, classNames);
    }

    /** Number of runs (20 in the standard file). */
    public int runs() {
        return runs.size();
    }

    /** Classes per run (20 in the standard file). */
    public int ways() {
        return ways;
    }

    /** Queries per run (20 in the standard file). */
    public int queries() {
        return queries;
    }

    /** Run {@code r} (0-based) as a task. */
    public Task run(int r) {
        return task(0, r);
    }

    /** All runs, in order. */
    public List<Task> episodes() {
        List<Task> out = new ArrayList<>(runs.size());
        for (int r = 0; r < runs.size(); r++) {
            out.add(run(r));
        }
        return out;
    }

    /** All runs stacked into one batch. */
    public TaskBatch all() {
        return batch(0, 0, runs.size());
    }

    @Override
    public TaskKind kind() {
        return TaskKind.CLASSIFICATION;
    }

    @Override
    public Task task(long seed, long index) {
        TaskBatch b = batch(seed, index, 1);
        int side = OmniglotImages.SIDE;
        return new Task(b.supportX().reshape(ways, 1, side, side), b.supportY().reshape(ways, ways),
                b.queryX().reshape(queries, 1, side, side), b.queryY().reshape(queries, ways),
                b.info().get(0));
    }

    /** Runs {@code firstIndex .. firstIndex+size-1}; the seed is ignored (fixed episodes). */
    @Override
    public TaskBatch batch(long seed, long firstIndex, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + size);
        }
        if (firstIndex < 0 || firstIndex + size > runs.size()) {
            throw new IllegalArgumentException("runs " + firstIndex + ".." + (firstIndex + size - 1)
                    + " requested, but there are only " + runs.size() + " (0-based)");
        }
        float[] sx = new float[size * ways * P];
        float[] qx = new float[size * queries * P];
        float[] sy = new float[size * ways * ways];
        float[] qy = new float[size * queries * ways];
        List<TaskInfo> info = new ArrayList<>(size);
        int[] identity = new int[ways];
        int[] classes = new int[ways];
        for (int j = 0; j < ways; j++) {
            identity[j] = j;
            classes[j] = j;
        }
        for (int t = 0; t < size; t++) {
            Run run = runs.get((int) firstIndex + t);
            System.arraycopy(run.support, 0, sx, t * ways * P, ways * P);
            System.arraycopy(run.query, 0, qx, t * queries * P, queries * P);
            for (int j = 0; j < ways; j++) {
                sy[(t * ways + j) * ways + j] = 1f;
            }
            for (int i = 0; i < queries; i++) {
                qy[(t * queries + i) * ways + run.queryLabels[i]] = 1f;
            }
            info.add(new EpisodeInfo(firstIndex + t, classes.clone(), run.classNames,
                    identity.clone(), run.queryLabels.clone()));
        }
        int side = OmniglotImages.SIDE;
        return new TaskBatch(wrap(sx, size, ways, 1, side, side), wrap(sy, size, ways, ways),
                wrap(qx, size, queries, 1, side, side), wrap(qy, size, queries, ways), info);
    }

    private INDArray wrap(float[] data, long... shape) {
        INDArray a = Nd4j.create(data, shape, DataType.FLOAT);
        return dataType == DataType.FLOAT ? a : a.castTo(dataType);
    }
}
