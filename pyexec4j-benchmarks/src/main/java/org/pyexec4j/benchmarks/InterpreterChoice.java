package org.pyexec4j.benchmarks;

import java.util.Locale;
import org.pyexec4j.Interpreter;
import org.pyexec4j.IsolationLevel;

/**
 * The interpreter a benchmark runs. Each setting is taken from its JMH parameter (or
 * command-line option) if that names a value, else from a system property, else the
 * builder's default:
 * <ul>
 *   <li>{@code python}, property {@code pyexec4j.python}: the Python executable;</li>
 *   <li>{@code isolation}, property {@code pyexec4j.isolation}: {@code NONE}, {@code LIMITS}
 *       or {@code SANDBOX}.</li>
 * </ul>
 */
final class InterpreterChoice {
    /** The parameter value that defers to the system property or the builder's default. */
    static final String DEFAULT = "default";
    static final String PYTHON_PROPERTY = "pyexec4j.python";
    static final String ISOLATION_PROPERTY = "pyexec4j.isolation";

    private InterpreterChoice() {}

    /**
     * Starts an interpreter as {@link #start} does and says what it got (JMH shows a fork's
     * output under its benchmark).
     */
    static Interpreter startAndDescribe(String python, String isolation) {
        Interpreter py = start(python, isolation);
        System.out.println(describe(py));
        return py;
    }

    /** Starts an interpreter with the chosen settings and the builder's other defaults. */
    static Interpreter start(String python, String isolation) {
        Interpreter.Builder builder = Interpreter.builder();
        String chosenPython = resolve(python, PYTHON_PROPERTY);
        if (chosenPython != null) {
            builder.python(chosenPython);
        }
        String chosenIsolation = resolve(isolation, ISOLATION_PROPERTY);
        if (chosenIsolation != null) {
            builder.isolation(isolationLevel(chosenIsolation));
        }
        return builder.build();
    }

    /** The Python and the isolation in force, on one line. */
    static String describe(Interpreter py) {
        return "python " + py.python().version() + " (" + py.python().executable() + "), isolation "
                + py.isolation().level() + (py.isolation().level() == py.isolation().requested() ? ""
                : " (asked for " + py.isolation().requested() + ")");
    }

    /** The value asked for, or {@code null} for the builder's default. */
    private static String resolve(String value, String property) {
        if (value != null && !value.isBlank() && !DEFAULT.equals(value)) {
            return value;
        }
        String fromProperty = System.getProperty(property);
        return fromProperty == null || fromProperty.isBlank() ? null : fromProperty;
    }

    private static IsolationLevel isolationLevel(String name) {
        try {
            return IsolationLevel.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("isolation must be one of NONE, LIMITS, SANDBOX or " + DEFAULT
                    + ", was '" + name + "'", e);
        }
    }
}
