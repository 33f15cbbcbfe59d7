package org.pyexec4j.cli.repl;

/**
 * The small pieces of Python the REPL sends: one that classifies typed input with
 * {@code codeop} and one that runs it as Python's own REPL does. Typed text enters them only
 * as an ASCII string literal.
 */
final class PythonSource {
    private PythonSource() {}

    /**
     * Prints {@code empty}, {@code incomplete}, {@code complete} or {@code invalid} for the
     * source, as Python's REPL decides whether to show {@code ... }: {@code codeop} in 'single'
     * mode, and in 'exec' mode for several lines pasted at once.
     */
    static String classify(String source) {
        return """
                def __pyexec4j_classify(s):
                    import codeop
                    if all(not l.strip() or l.lstrip().startswith('#') for l in s.split('\\n')):
                        return 'empty'
                    modes = ('single', 'exec') if '\\n' in s.rstrip('\\n') else ('single',)
                    for mode in modes:
                        try:
                            code = codeop.compile_command(s, '<stdin>', mode)
                        except (SyntaxError, OverflowError, ValueError):
                            continue
                        return 'incomplete' if code is None else 'complete'
                    return 'invalid'
                print(__pyexec4j_classify(%s))
                """.formatted(literal(source));
    }

    /**
     * Runs the source in the session's globals statement by statement, each compiled in
     * 'single' mode (so a lone expression's value is shown, as in Python's REPL), and prints an
     * exception as Python's REPL does, without this wrapper's frame. {@code SystemExit} is not
     * raised on (the engine would print its traceback): as Python's REPL, its message goes to
     * stderr, and {@code exitMarker} followed by the exit status and a newline goes to stdout, for
     * the REPL to take out of the output and leave.
     */
    static String run(String source, String exitMarker) {
        return """
                def __pyexec4j_run(src, ns, marker):
                    import ast, sys, traceback
                    try:
                        for node in compile(src, '<stdin>', 'exec', ast.PyCF_ONLY_AST).body:
                            exec(compile(ast.Interactive(body=[node]), '<stdin>', 'single'), ns)
                    except SystemExit as e:
                        code = e.code
                        if code is None:
                            code = 0
                        elif not isinstance(code, int):
                            print(code, file=sys.stderr)
                            code = 1
                        sys.stdout.write(marker + str(code & 0xff) + '\\n')
                    except BaseException as e:
                        traceback.print_exception(type(e), e, e.__traceback__.tb_next)
                try:
                    __pyexec4j_run(%s, globals(), %s)
                finally:
                    del __pyexec4j_run
                """.formatted(literal(source), literal(exitMarker));
    }

    /** A Python string literal of pure ASCII that evaluates to {@code s} (lone surrogates included). */
    static String literal(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16).append('\'');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (cp >= 0x20 && cp < 0x7f) {
                        b.append((char) cp);
                    } else if (cp < 0x100) {
                        b.append(String.format("\\x%02x", cp));
                    } else if (cp < 0x10000) {
                        b.append(String.format("\\u%04x", cp));
                    } else {
                        b.append(String.format("\\U%08x", cp));
                    }
                }
            }
        }
        return b.append('\'').toString();
    }
}
