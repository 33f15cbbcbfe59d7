package org.pyexec4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.pyexec4j.Ending;
import picocli.CommandLine;

class ConvertersTest {
    @Test
    void secondsMayBeFractional() {
        assertThat(Converters.seconds("2")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Converters.seconds("0.5")).isEqualTo(Duration.ofMillis(500));
        assertThat(Converters.seconds("1e3")).isEqualTo(Duration.ofSeconds(1000));
        for (String bad : new String[] {"soon", "-1", "NaN", "Infinity", "1e12", ""}) {
            assertThatThrownBy(() -> Converters.seconds(bad)).as(bad)
                    .isInstanceOf(CommandLine.TypeConversionException.class);
        }
    }

    @Test
    void sizesTakeBinaryUnits() {
        assertThat(Converters.bytes("1048576")).isEqualTo(1L << 20);
        assertThat(Converters.bytes("512K")).isEqualTo(512L << 10);
        assertThat(Converters.bytes("64M")).isEqualTo(64L << 20);
        assertThat(Converters.bytes("64m")).isEqualTo(64L << 20);
        assertThat(Converters.bytes("64MiB")).isEqualTo(64L << 20);
        assertThat(Converters.bytes("64MB")).isEqualTo(64L << 20);
        assertThat(Converters.bytes("1G")).isEqualTo(1L << 30);
        for (String bad : new String[] {"12Q", "-5", "1.5M", "M", "99999999999999999999"}) {
            assertThatThrownBy(() -> Converters.bytes(bad)).as(bad)
                    .isInstanceOf(CommandLine.TypeConversionException.class);
        }
    }

    @Test
    void everyEndingHasAnExitStatus() {
        // the mapping is a switch over the enum: a new ending fails compilation, not a run
        assertThat(Ending.values()).hasSize(7);
        assertThat(ExitStatus.TIMED_OUT).isEqualTo(124);
        assertThat(ExitStatus.INTERRUPTED).isEqualTo(130);
    }
}
