package org.pyexec4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The Python interpreters tests can use on this machine. */
final class Pythons {
    /** Debian's interpreter: the one with apt-installed packages (humanize, numpy, IPython). */
    static final Path DEBIAN = Paths.get("/usr/bin/python3");

    private Pythons() {}

    static boolean debianHas(String module) {
        if (!Files.isExecutable(DEBIAN)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(DEBIAN.toString(), "-c", "import " + module)
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether a version such as "3.11.2" or "3.14.0a1" is at least major.minor. */
    static boolean atLeast(String version, int major, int minor) {
        String[] parts = version.split("\\.");
        int have = Integer.parseInt(parts[0]);
        int haveMinor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("\\D.*", "")) : 0;
        return have > major || (have == major && haveMinor >= minor);
    }

    /** pyenv's interpreters from 3.9 to 3.13, newest patch of each minor version present. */
    static List<Path> pyenvVersions() {
        Path root = Paths.get(System.getenv().getOrDefault("PYENV_ROOT", System.getProperty("user.home") + "/.pyenv"),
                "versions");
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.filter(d -> d.getFileName().toString().matches("3\\.(9|1[0-3])\\.\\d+"))
                    .map(d -> d.resolve("bin/python3"))
                    .filter(Files::isExecutable)
                    .sorted()
                    .forEach(found::add);
        } catch (Exception e) {
            return found;
        }
        return found;
    }
}
