package org.pyexec4j.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The deadline thread: tasks run once due, earliest first, never once cancelled, and the thread ends with close. */
class DeadlinesTest {
    private static final Duration LONG = Duration.ofHours(1);

    @Test
    void aTaskDueSoonerThanTheOneWaitedForRunsOnTimeAndTheOthersInTheirOrder() {
        List<String> ran = new CopyOnWriteArrayList<>();
        try (Deadlines deadlines = new Deadlines("test-deadlines")) {
            deadlines.after(LONG, () -> ran.add("late"));
            deadlines.after(Duration.ofMillis(300), () -> ran.add("second"));
            deadlines.after(Duration.ofMillis(100), () -> ran.add("first"));
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 2);
            assertThat(ran).containsExactly("first", "second");
        }
        assertThat(ran).doesNotContain("late");
    }

    @Test
    void aCancelledTaskNeverRunsAndAFailingOneStopsNoOther() {
        List<String> ran = new CopyOnWriteArrayList<>();
        try (Deadlines deadlines = new Deadlines("test-deadlines")) {
            deadlines.after(Duration.ofMillis(50), () -> ran.add("cancelled")).cancel();
            deadlines.after(Duration.ofMillis(60), () -> {
                throw new IllegalStateException("a task that fails (expected in this test)");
            });
            deadlines.after(Duration.ofMillis(100), () -> ran.add("after the failure"));
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains("after the failure"));
            assertThat(ran).containsExactly("after the failure");
        }
    }

    @Test
    void tasksEachDueALittleSoonerLeaveOneWakeQueued() {
        // a client whose every timeout is what is left of its own budget asks for deadlines
        // that come a little sooner each time: the wakes set for the later ones must go
        try (Deadlines deadlines = new Deadlines("test-deadlines")) {
            for (int i = 0; i < 1000; i++) {
                deadlines.after(LONG.minusMillis(i), () -> { }).cancel();
            }
            assertThat(deadlines.wakesQueued()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void afterCloseTasksAreDroppedAndTheThreadEnds() {
        List<String> ran = new CopyOnWriteArrayList<>();
        Deadlines deadlines = new Deadlines("test-deadlines-closed");
        deadlines.after(Duration.ofMillis(10), () -> ran.add("before close"));
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 1);
        deadlines.after(Duration.ofMillis(200), () -> ran.add("pending at close"));
        deadlines.close();
        deadlines.after(Duration.ZERO, () -> ran.add("after close")).cancel();
        deadlines.after(Duration.ZERO, () -> ran.add("after close"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("test-deadlines-closed")));
        assertThat(ran).containsExactly("before close");
    }
}
