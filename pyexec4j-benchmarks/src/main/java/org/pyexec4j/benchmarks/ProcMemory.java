package org.pyexec4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory of one Linux process, from {@code /proc/<pid>/smaps_rollup}, in KiB.
 *
 * @param rss resident pages, shared ones counted in full
 * @param pss resident pages, each shared page divided among the processes that map it
 * @param uss resident pages no other process maps ({@code Private_Clean + Private_Dirty}):
 *     what ending the process would give back
 */
record ProcMemory(long rss, long pss, long uss) {

    static ProcMemory of(long pid) throws IOException {
        Map<String, Long> kb = kibFields(Path.of("/proc", Long.toString(pid), "smaps_rollup"));
        return new ProcMemory(field(kb, "Rss", pid), field(kb, "Pss", pid),
                field(kb, "Private_Clean", pid) + field(kb, "Private_Dirty", pid));
    }

    /** {@code VmRSS} of this process, from {@code /proc/self/status}, in KiB. */
    static long selfVmRss() throws IOException {
        return field(kibFields(Path.of("/proc/self/status")), "VmRSS", ProcessHandle.current().pid());
    }

    /** Lines {@code Name:   1234 kB} as name to number; other lines are skipped. */
    private static Map<String, Long> kibFields(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        Map<String, Long> fields = new HashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.endsWith(" kB")) {
                continue;
            }
            String number = line.substring(colon + 1, line.length() - 3).trim();
            fields.put(line.substring(0, colon).trim(), Long.parseLong(number));
        }
        return fields;
    }

    private static long field(Map<String, Long> kb, String name, long pid) {
        Long v = kb.get(name);
        if (v == null) {
            throw new IllegalStateException("no " + name + " for process " + pid + " (Linux 4.14+ has smaps_rollup)");
        }
        return v;
    }
}
