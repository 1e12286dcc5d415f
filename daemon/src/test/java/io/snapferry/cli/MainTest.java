package io.snapferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void theDaemonIsRecognisedWhereverDataIsGiven() {
        assertThat(Main.isDaemon(new String[] {"daemon", "--web-port", "0"})).isTrue();
        assertThat(Main.isDaemon(new String[] {"--data", "/tmp/x", "daemon"})).isTrue();
        assertThat(Main.isDaemon(new String[] {"--data=/tmp/x", "daemon"})).isTrue();
        assertThat(Main.isDaemon(new String[] {"--data", "daemon", "status"})).isFalse();
        assertThat(Main.isDaemon(new String[] {"status", "daemon"})).isFalse();
        assertThat(Main.isDaemon(new String[] {"--data"})).isFalse();
        assertThat(Main.isDaemon(new String[] {})).isFalse();
    }
}
