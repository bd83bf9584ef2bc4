package org.bml.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.bml.datasets.TaskSeeds.Split;
import org.bml.datasets.synthetic.SineInfo;
import org.bml.datasets.synthetic.SinusoidTasks;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class TaskSeedsTest {

    @Test
    void offsetsAreTheCommandLinesSoFiguresStayComparable() {
        // Pinned: changing them would silently change every eval/compare figure of old checkpoints.
        assertEquals(0, Split.TRAIN.offset());
        assertEquals(1_000_000_007L, Split.TEST.offset());
        assertEquals(2_000_000_011L, Split.VALIDATION.offset());
        TaskSeeds s = TaskSeeds.of(7);
        assertEquals(7, s.training());
        assertEquals(1_000_000_014L, s.test());
        assertEquals(2_000_000_018L, s.validation());
        assertEquals(s.test(), s.seed(Split.TEST));
    }

    @Test
    void testTasksAreNotTheTrainingTasksOfTheSameSeeds() {
        // The first 800 × 25 training tasks of a seed against its first 600 test tasks: no
        // test task has the amplitude and phase of any training task.
        SinusoidTasks tasks = new SinusoidTasks(SinusoidTasks.Config.maml(), 5, 5, DataType.FLOAT);
        for (long base : new long[] {0, 42}) {
            TaskSeeds seeds = TaskSeeds.of(base);
            Set<String> train = new HashSet<>();
            for (long i = 0; i < 20_000; i += 1000) {
                for (TaskInfo info : tasks.batch(seeds.training(), i, 1000).info()) {
                    train.add(key(info));
                }
            }
            java.util.List<TaskInfo> test = tasks.batch(seeds.test(), 0, 600).info();
            java.util.List<TaskInfo> val = tasks.batch(seeds.validation(), 0, 600).info();
            for (int i = 0; i < 600; i++) {
                assertTrue(!train.contains(key(test.get(i))), "test task " + i + " is a training task");
                assertNotEquals(key(val.get(i)), key(test.get(i)));
            }
            // ...whereas tasks under the training seed are the training tasks themselves: the trap.
            assertTrue(train.contains(key(tasks.task(seeds.training(), 3).info())));
        }
    }

    private static String key(TaskInfo t) {
        SineInfo info = (SineInfo) t;
        return info.amplitude() + "/" + info.phase();
    }

    @Test
    void splitsParseFromTheirShortNamesAndUnknownNamesAreNamed() {
        assertEquals(Split.TRAIN, Split.parse("train"));
        assertEquals(Split.VALIDATION, Split.parse("val"));
        assertEquals(Split.TEST, Split.parse("TEST"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Split.parse("validation"));
        assertEquals("unknown split 'validation' (have: train, val, test)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Split.parse(null));
        assertThrows(IllegalArgumentException.class, () -> TaskSeeds.of(1).seed(null));
    }
}
