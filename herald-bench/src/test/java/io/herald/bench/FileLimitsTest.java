package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelException;
import java.io.IOException;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

class FileLimitsTest {

    @Test
    void readsTheSoftLimit() {
        String limits = "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max cpu time              unlimited            unlimited            seconds   \n"
                + "Max open files            20000                20000                files     \n";
        assertThat(FileLimits.parseSoftLimit(limits)).isEqualTo(20000);
        assertThat(FileLimits.parseSoftLimit("Max open files            unlimited            unlimited  files\n"))
                .isEqualTo(Long.MAX_VALUE);
        assertThat(FileLimits.softLimit()).isPositive();
        assertThat(FileLimits.openNow()).isPositive();
    }

    @Test
    void recognisesTheErrorWhereverItIsInTheCauseChain() {
        assertThat(FileLimits.isFileLimit(new SocketException("Too many open files"))).isTrue();
        assertThat(FileLimits.isFileLimit(new ChannelException("Unable to create Channel from class x",
                new IOException("newSocketStream(..) failed: Too many open files")))).isTrue();
        assertThat(FileLimits.isFileLimit(new IOException("Connection refused"))).isFalse();
        assertThat(FileLimits.isFileLimit(null)).isFalse();
    }

    @Test
    void aRunThatCannotFitFailsBeforeOpeningAnything() {
        assertThatThrownBy(() -> FileLimits.checkRoomFor(FileLimits.softLimit()))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("open-file limit is " + FileLimits.softLimit())
                .hasMessageContaining("run several load generators");
    }
}
