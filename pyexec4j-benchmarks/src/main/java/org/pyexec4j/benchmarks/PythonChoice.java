package org.pyexec4j.benchmarks;

import org.pyexec4j.Interpreter;

/**
 * Which Python the benchmarks run: the JMH parameter {@code python} if it names one, else
 * the system property {@code pyexec4j.python}, else the builder's default ({@code python3}).
 */
final class PythonChoice {
    /** The value of the {@code python} parameter that defers to the property or the default. */
    static final String DEFAULT = "default";
    static final String PROPERTY = "pyexec4j.python";

    private PythonChoice() {}

    /**
     * Starts an interpreter with the chosen Python and the builder's other defaults, and
     * says which Python it is (JMH shows a fork's output under its benchmark).
     */
    static Interpreter start(String python) {
        Interpreter.Builder builder = Interpreter.builder();
        String chosen = resolve(python);
        if (chosen != null) {
            builder.python(chosen);
        }
        Interpreter py = builder.build();
        System.out.println("python: " + py.python().executable() + " " + py.python().version());
        return py;
    }

    /** The executable asked for, or {@code null} for the builder's default. */
    static String resolve(String python) {
        if (python != null && !python.isBlank() && !DEFAULT.equals(python)) {
            return python;
        }
        String property = System.getProperty(PROPERTY);
        return property == null || property.isBlank() ? null : property;
    }
}
