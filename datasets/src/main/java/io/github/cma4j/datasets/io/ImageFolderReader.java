package io.github.cma4j.datasets.io;

import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.MultiDomainDataset;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Reads an image-folder tree {@code root/<domain>/<class>/<image>} (the PACS / VLCS / OfficeHome /
 * TerraIncognita layout) with {@code javax.imageio}, resizing every image to width × height (bilinear) as RGB or
 * grey, channel-major, scaled to [0, 1].
 * <p>
 * Domains are the sorted sub-directories of root; classes are the union, sorted, of the class directories of
 * every domain, with a logged warning for each domain that lacks a class. Hidden files are skipped. Images that
 * cannot be decoded are never silently dropped: all of them are listed, by path, in one {@link IOException}.
 */
public final class ImageFolderReader {
    private static final Logger LOG = Logger.getLogger(ImageFolderReader.class.getName());

    private ImageFolderReader() {
    }

    /**
     * @param root      the tree's root.
     * @param width     output width.
     * @param height    output height.
     * @param grayscale one channel instead of three.
     * @return the dataset, examples ordered by domain, class, file name.
     * @throws IOException if the tree is empty or malformed, or images cannot be read (all listed).
     */
    public static MultiDomainDataset read(Path root, int width, int height, boolean grayscale) throws IOException {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        Tree tree = index(root);
        int channels = grayscale ? 1 : 3;
        int d = channels * width * height;
        List<String> unreadable = new ArrayList<>();
        float[] f = new float[tree.files().size() * d];
        for (int i = 0; i < tree.files().size(); i++) {
            try {
                System.arraycopy(pixels(decode(tree.files().get(i)), width, height, grayscale), 0, f, i * d, d);
            } catch (IOException e) {
                unreadable.add(e.getMessage());
            }
        }
        if (!unreadable.isEmpty()) {
            throw new IOException(unreadable.size() + " unreadable image(s) under " + root + ":\n  "
                    + String.join("\n  ", unreadable.subList(0, Math.min(50, unreadable.size())))
                    + (unreadable.size() > 50 ? "\n  ... and " + (unreadable.size() - 50) + " more" : ""));
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("root", root.toString());
        params.put("size", width + "x" + height);
        params.put("channels", grayscale ? "grey" : "rgb");
        params.put("resize", "bilinear");
        return new MultiDomainDataset(root.getFileName().toString(), f, d, tree.labels(), tree.domains(), null,
                tree.domainNames(), tree.classNames(), new int[]{channels, height, width},
                new DatasetProvenance("image-folder", params, 0, Map.of()));
    }

    /**
     * An image tree's files, without decoding them: ordered by domain, class and file name.
     *
     * @param domainNames the domains (sorted directory names).
     * @param classNames  the classes, unioned across domains and sorted.
     * @param files       every image file.
     * @param labels      each file's class id.
     * @param domains     each file's domain id.
     */
    public record Tree(List<String> domainNames, List<String> classNames, List<Path> files, int[] labels, int[] domains) {
    }

    /**
     * Walks {@code root/<domain>/<class>/<image>}; a class missing from a domain is warned about.
     *
     * @param root the tree's root.
     * @return the tree.
     * @throws IOException if there are no domain directories, fewer than 2 classes, or no files.
     */
    public static Tree index(Path root) throws IOException {
        List<Path> domainDirs = subdirectories(root);
        if (domainDirs.isEmpty()) {
            throw new IOException(root + ": no domain directories (expected root/<domain>/<class>/<image>)");
        }
        TreeSet<String> classes = new TreeSet<>();
        for (Path d : domainDirs) {
            subdirectories(d).forEach(c -> classes.add(c.getFileName().toString()));
        }
        if (classes.size() < 2) {
            throw new IOException(root + ": found classes " + classes + "; need at least 2 class directories");
        }
        List<String> classNames = List.copyOf(classes);
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Integer> domains = new ArrayList<>();
        List<String> domainNames = new ArrayList<>();
        for (Path domainDir : domainDirs) {
            String domain = domainDir.getFileName().toString();
            domainNames.add(domain);
            TreeSet<String> present = new TreeSet<>();
            subdirectories(domainDir).forEach(c -> present.add(c.getFileName().toString()));
            for (String c : classNames) {
                if (!present.contains(c)) {
                    LOG.warning("image folder " + root + ": domain '" + domain + "' has no class '" + c + "'");
                }
            }
            for (String c : present) {
                try (Stream<Path> s = Files.list(domainDir.resolve(c))) {
                    for (Path file : s.filter(Files::isRegularFile).filter(x -> !x.getFileName().toString().startsWith("."))
                            .sorted().toList()) {
                        files.add(file);
                        labels.add(classNames.indexOf(c));
                        domains.add(domainNames.size() - 1);
                    }
                }
            }
        }
        if (files.isEmpty()) {
            throw new IOException(root + ": no images found");
        }
        return new Tree(List.copyOf(domainNames), classNames, List.copyOf(files),
                labels.stream().mapToInt(Integer::intValue).toArray(), domains.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * @param file an image file.
     * @return the decoded image.
     * @throws IOException naming the file if javax.imageio cannot read it.
     */
    public static BufferedImage decode(Path file) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new IOException(file + " (not an image format javax.imageio can decode)");
        }
        return img;
    }

    /**
     * The image resized (bilinear) to width × height, as values in [0, 1], channel-first (R, G, B planes, or one
     * grey plane).
     *
     * @param img       the image.
     * @param width     output width.
     * @param height    output height.
     * @param grayscale one luminance channel instead of three.
     * @return channels × height × width values.
     */
    public static float[] pixels(BufferedImage img, int width, int height, boolean grayscale) {
        BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, width, height, null);
        g.dispose();
        int plane = width * height;
        float[] out = new float[(grayscale ? 1 : 3) * plane];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = scaled.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF, gr = (rgb >> 8) & 0xFF, b = rgb & 0xFF;
                int p = y * width + x;
                if (grayscale) {
                    out[p] = (0.299f * r + 0.587f * gr + 0.114f * b) / 255f;
                } else {
                    out[p] = r / 255f;
                    out[plane + p] = gr / 255f;
                    out[2 * plane + p] = b / 255f;
                }
            }
        }
        return out;
    }

    private static List<Path> subdirectories(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a directory");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }
}
