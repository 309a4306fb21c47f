package io.github.cma4j.core.hparam;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * DomainBed's seed_hash(*args) = int(md5(str(args)).hexdigest(), 16) % 2**31. The expected strings are Python's
 * tuple reprs: str((3, 0)) == "(3, 0)", str((12, 'lr')) == "(12, 'lr')", str((5,)) == "(5,)".
 */
class SeedHashTest {
    private static long md5Mod(String s) throws Exception {
        byte[] md5 = MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        return new BigInteger(1, md5).mod(BigInteger.ONE.shiftLeft(31)).longValue();
    }

    @Test
    void hashesPythonTupleRepresentations() throws Exception {
        assertEquals(md5Mod("(3, 0)"), SeedHash.of(3, 0));
        assertEquals(md5Mod("(12, 'lr')"), SeedHash.of(12L, "lr"));
        assertEquals(md5Mod("(5,)"), SeedHash.of(5));
        assertThrows(IllegalArgumentException.class, () -> SeedHash.of(1.5));
    }
}
