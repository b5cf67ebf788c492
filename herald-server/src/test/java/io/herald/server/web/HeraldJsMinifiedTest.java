package io.herald.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** herald.min.js is generated from herald.js by scripts/minify-herald-js.sh and committed; it must be current. */
class HeraldJsMinifiedTest {

    @Test
    void theMinifiedClientWasMadeFromTheCurrentSource() throws Exception {
        byte[] source = read("/web/herald.js");
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source));
        String min = new String(read("/web/herald.min.js"), StandardCharsets.UTF_8);
        assertThat(min.lines().findFirst().orElse(""))
                .as("first line of herald.min.js; after changing herald.js run scripts/minify-herald-js.sh")
                .contains("source sha256:" + sha256);
    }

    private static byte[] read(String resource) throws Exception {
        try (InputStream in = HeraldJsMinifiedTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return in.readAllBytes();
        }
    }
}
