package org.pyexec4j.cli.repl;

/** Where the REPL's lines come from: a terminal with line editing, or a script in tests. */
public interface LineSource {
    /**
     * Shows the prompt and reads one line, without its line end.
     *
     * @throws Interrupted when the user pressed Ctrl-C at the prompt
     * @throws EndOfInput when the user pressed Ctrl-D on an empty line, or the input ended
     */
    String readLine(String prompt) throws Interrupted, EndOfInput;

    /** Ctrl-C at the prompt: the line typed so far is dropped. */
    final class Interrupted extends Exception {
        private static final long serialVersionUID = 1L;

        public Interrupted() {
            super(null, null, false, false);
        }
    }

    /** Ctrl-D, or the end of the input. */
    final class EndOfInput extends Exception {
        private static final long serialVersionUID = 1L;

        public EndOfInput() {
            super(null, null, false, false);
        }
    }
}
