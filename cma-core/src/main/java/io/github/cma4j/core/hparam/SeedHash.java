package io.github.cma4j.core.hparam;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * DomainBed's {@code misc.seed_hash(*args)}: the MD5 of the arguments' Python tuple representation, modulo 2³¹.
 * For example {@code of(3, 0)} hashes the string {@code "(3, 0)"} and {@code of(1234, "lr")} hashes
 * {@code "(1234, 'lr')"}, exactly as DomainBed does, so the <em>seeds</em> agree with DomainBed's; the random
 * draws made from them use Java's generator, not NumPy's, and so differ.
 */
public final class SeedHash {
    private SeedHash() {
    }

    /**
     * @param args integers (int or long) and strings.
     * @return a seed in {@code [0, 2³¹)}.
     */
    public static long of(Object... args) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < args.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            Object a = args[i];
            if (a instanceof String str) {
                sb.append('\'').append(str).append('\'');
            } else if (a instanceof Integer || a instanceof Long) {
                sb.append(a);
            } else {
                throw new IllegalArgumentException("seed_hash takes integers and strings, got " + a);
            }
        }
        if (args.length == 1) {
            sb.append(',');
        }
        sb.append(')');
        try {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return new BigInteger(1, md5).mod(BigInteger.ONE.shiftLeft(31)).longValue();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    }
}
