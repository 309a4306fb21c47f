package io.github.cma4j.spark;

/**
 * One row's forward pass: z = W x̃, p = softmax(z) (the row maximum subtracted), ℓ = logsumexp(z) − z_y, r = p − y.
 *
 * @param logits      z.
 * @param probability p.
 * @param residual    r.
 * @param loss        ℓ.
 */
record RowPass(double[] logits, double[] probability, double[] residual, double loss) {

    /**
     * @throws IllegalArgumentException naming the row's domain if the row is malformed or not finite.
     */
    static RowPass of(DomainRow row, double[] w, int c, int d, int numDomains) {
        double[] x = row.features();
        if (x.length != d) {
            throw new IllegalArgumentException("a row of domain " + row.domain() + " has " + x.length + " features, the head " + d);
        }
        if (row.label() < 0 || row.label() >= c || row.domain() < 0 || row.domain() >= numDomains) {
            throw new IllegalArgumentException("a row has label " + row.label() + " (classes 0.." + (c - 1) + ") and domain "
                    + row.domain() + " (domains 0.." + (numDomains - 1) + ")");
        }
        double[] z = new double[c];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < c; k++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += w[k * d + j] * x[j];
            }
            z[k] = s;
            max = Math.max(max, s);
        }
        if (!Double.isFinite(max)) {
            throw new IllegalArgumentException("a row of domain " + row.domain() + " has non-finite features or logits");
        }
        double sum = 0;
        double[] p = new double[c];
        for (int k = 0; k < c; k++) {
            p[k] = Math.exp(z[k] - max);
            sum += p[k];
        }
        double[] r = new double[c];
        for (int k = 0; k < c; k++) {
            p[k] /= sum;
            r[k] = p[k] - (k == row.label() ? 1 : 0);
        }
        return new RowPass(z, p, r, max + Math.log(sum) - z[row.label()]);
    }
}
