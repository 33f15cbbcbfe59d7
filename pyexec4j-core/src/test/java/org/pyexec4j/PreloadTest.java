package org.pyexec4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Modules preloaded into the zygote: a fresh state finds them imported, and stays fresh. */
class PreloadTest {
    static Interpreter py;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Pythons.debianHas("numpy"), "Debian's python3 has no numpy (apt-get install python3-numpy)");
        py = Interpreter.builder().python(Pythons.DEBIAN.toString()).preload("numpy", "json").build();
    }

    @AfterAll
    static void stop() {
        if (py != null) {
            py.close();
        }
    }

    @Test
    void aFreshStateHasThePreloadedModulesButNoneOfItsGlobals() {
        ExecutionResult r = py.run("import sys\nprint('numpy' in sys.modules, 'numpy' in globals())");
        assertThat(r.output()).isEqualTo("True False\n");
    }

    @Test
    void eachFreshStateDrawsItsOwnRandomNumbers() {
        // a fork copies numpy's global generator: the same numbers in every fresh state, unless reseeded
        String draw = "import numpy\nprint(numpy.random.randint(0, 2**62))";
        String first = py.run(draw).output();
        String second = py.run(draw).output();
        String other = py.run(RunRequest.of(draw).inSession("preload-other")).output();
        assertThat(first).matches("\\d+\n");
        assertThat(second).isNotEqualTo(first);
        assertThat(other).isNotEqualTo(first).isNotEqualTo(second);
        py.closeSession("preload-other");
    }

    @Test
    void whatACodeChangesInAPreloadedModuleStaysInItsState() {
        py.run(RunRequest.of("import json\njson.dumps = None\nimport numpy\nnumpy.pi = 3").inSession("preload-a"));
        ExecutionResult fresh = py.run("import json, numpy\nprint(json.dumps([1]), numpy.pi > 3.14)");
        assertThat(fresh.output()).isEqualTo("[1] True\n");
        py.closeSession("preload-a");
    }
}
