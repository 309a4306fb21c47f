package io.github.cma4j.datasets.build;

import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.InOutSplit;
import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.fashion.FashionMnist;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * RotatedFashionMNIST: DomainBed's RotatedMNIST recipe on Fashion-MNIST (docs/datasets.md). Train + test images
 * (70,000), one permutation, environment i takes rows i, i+6, … and rotates them counter-clockwise by
 * 0°, 15°, 30°, 45°, 60° or 75° about the image centre, on the same canvas, with bilinear interpolation and
 * corners filled with 0; 10 classes; values in [0, 1]. Pixels are close to, not bit-identical with,
 * torchvision's (its centre convention may differ by half a pixel).
 */
public final class RotatedFashionMnist {
    /** Dataset name. */
    public static final String NAME = "RotatedFashionMNIST";
    /** The environments' angles in degrees. */
    public static final int[] ANGLES = {0, 15, 30, 45, 60, 75};

    private RotatedFashionMnist() {
    }

    /**
     * @param pool verified Fashion-MNIST.
     * @param seed the data seed (trial seed).
     * @return six environments (11,667 images for the first four, 11,666 for the last two).
     */
    public static MultiDomainDataset build(FashionMnist.Pool pool, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] perm = IntStream.range(0, pool.size()).toArray();
        InOutSplit.shuffle(perm, rng);
        int side = pool.rows();
        int plane = side * pool.cols();
        float[] features = new float[pool.size() * plane];
        int[] labels = new int[pool.size()];
        int[] domains = new int[pool.size()];
        float[] image = new float[plane];
        int out = 0;
        for (int e = 0; e < ANGLES.length; e++) {
            for (int k = e; k < perm.length; k += ANGLES.length) {
                int img = perm[k];
                for (int p = 0; p < plane; p++) {
                    image[p] = (pool.images()[img * plane + p] & 0xFF) / 255f;
                }
                rotate(image, side, pool.cols(), ANGLES[e], features, out * plane);
                labels[out] = pool.labels()[img];
                domains[out] = e;
                out++;
            }
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("angles", "0,15,30,45,60,75");
        params.put("interpolation", "bilinear");
        List<String> names = IntStream.of(ANGLES).mapToObj(Integer::toString).toList();
        return new MultiDomainDataset(NAME, features, plane, labels, domains, null, names, FashionMnist.CLASS_NAMES,
                new int[]{1, side, pool.cols()}, new DatasetProvenance(NAME, params, seed, pool.sha256s()));
    }

    /**
     * Rotates an image counter-clockwise (as seen on screen, rows going down) about its centre
     * ((cols−1)/2, (rows−1)/2), bilinear, zero outside.
     *
     * @param src     rows×cols, row-major. Not modified.
     * @param rows    height.
     * @param cols    width.
     * @param degrees angle.
     * @param dst     destination array. Modified.
     * @param offset  where the rotated image starts in dst.
     */
    public static void rotate(float[] src, int rows, int cols, double degrees, float[] dst, int offset) {
        double theta = Math.toRadians(degrees);
        double cos = Math.cos(theta);
        double sin = Math.sin(theta);
        double cx = (cols - 1) / 2.0;
        double cy = (rows - 1) / 2.0;
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                // inverse map: rotate the destination point clockwise to find its source (y axis points down)
                double dx = x - cx;
                double dy = cy - y;
                double sx = cx + cos * dx + sin * dy;
                double sy = cy - (-sin * dx + cos * dy);
                dst[offset + y * cols + x] = (float) bilinear(src, rows, cols, sx, sy);
            }
        }
    }

    private static double bilinear(float[] src, int rows, int cols, double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        return (1 - fx) * (1 - fy) * at(src, rows, cols, x0, y0) + fx * (1 - fy) * at(src, rows, cols, x0 + 1, y0)
                + (1 - fx) * fy * at(src, rows, cols, x0, y0 + 1) + fx * fy * at(src, rows, cols, x0 + 1, y0 + 1);
    }

    private static double at(float[] src, int rows, int cols, int x, int y) {
        return x < 0 || y < 0 || x >= cols || y >= rows ? 0.0 : src[y * cols + x];
    }
}
