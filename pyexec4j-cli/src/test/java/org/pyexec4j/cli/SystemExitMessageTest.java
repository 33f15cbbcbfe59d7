package org.pyexec4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What python3 prints on stderr for sys.exit(...): nothing for a number, the message otherwise. */
class SystemExitMessageTest {
    private static final String HEAD = "Traceback (most recent call last):\n  File \"e.py\", line 2, in <module>\n"
            + "    sys.exit(x)\n";

    @Test
    void aNumberOrNothingPrintsNothingAndAMessagePrintsItself() {
        assertThat(SystemExitMessage.of(HEAD + "SystemExit: 3\n")).isEmpty();
        assertThat(SystemExitMessage.of(HEAD + "SystemExit: -1\n")).isEmpty();
        assertThat(SystemExitMessage.of(HEAD + "SystemExit\n")).isEmpty();
        assertThat(SystemExitMessage.of(HEAD + "SystemExit: bye\n")).isEqualTo("bye");
        assertThat(SystemExitMessage.of(HEAD + "SystemExit: two\nlines\n")).isEqualTo("two\nlines");
        assertThat(SystemExitMessage.of(HEAD + "ValueError: 3\n")).isNull();
    }
}
