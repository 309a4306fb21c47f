package io.github.cma4j.core.cma;

import io.github.cma4j.core.Checks;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.PenaltySpec;
import org.ejml.data.DMatrixRMaj;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The closed-form moment alignment (CMA) objective for a linear softmax head (docs/math.md §3):
 * <pre>
 *   L(t) = CE + α_t P_grad + β_t P_hess,     α_t = α·1[t ≥ T_anneal],  β_t = β·1[t ≥ T_anneal]
 *   P_grad = (1/E) Σ_e ‖G_e − Ḡ‖²,  G_e = c_g ∇_W L_e
 *   P_hess = (1/E) Σ_e ‖H_e^c − H̄‖²,  H_e^c = c_h H_e  (or c_h diag(H_e) in the diagonal variant)
 * </pre>
 * with exact gradients w.r.t. W, the features X̃ and the logits from the closed-form backward formulas of
 * docs/math.md §5 — no autodiff, no Hessian sampling, and no matrix of size (C·D)² ever allocated.
 * <p>
 * Conventions: means over domains are unweighted and run over the domains present in the batch (E of them); a
 * batch with one domain has both penalties 0. Before {@code annealSteps} the penalties are not computed at all,
 * and at step {@code annealSteps > 0} the result asks for the optimiser state to be reset (DomainBed's
 * semantics; there is no warm-up ramp). The two penalties are the regularizers {@link GradientAlignmentPenalty}
 * and {@link HessianAlignmentPenalty}, usable alone; this class composes them, and when both run in the Gram form
 * it computes them in one pass that shares the n×n products.
 *
 * <pre>
 * Y. Chen, H. Si, G. Zhang, H. Zhao.
 * "Moment Alignment: Unifying Gradient and Hessian Matching for Domain Generalization", UAI 2025, arXiv 2506.07378.
 * </pre>
 * An instance holds workspaces and is meant for one thread.
 */
public final class CmaObjective implements DomainObjective {
    /** Registry name, DomainBed spelling. */
    public static final String NAME = "CMA";

    /** Registry name of the diagonal-Hessian variant. */
    public static final String DIAGONAL_NAME = "CMA-diag";

    /**
     * Registry entry (the authors' DomainBed registry, docs/math.md §3.2): grad_alpha 5000 ~ 10^U(1,4), hess_beta
     * 1000 ~ 10^U(1,4), penalty_anneal_iters 2500 ~ choice{500, 1500, 2500, 3500, 4500}, normalization
     * {@code domainbed} ({@code isr}, {@code none}); full Hessian, form chosen by the cost model, pooled CE;
     * {@code hess_precision} float64 (not a paper setting: {@link ProductPrecision}).
     */
    public static final AlgorithmSpec SPEC = new AlgorithmSpec(NAME,
            "closed-form moment alignment: gradient and full-Hessian matching, exact",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("grad_alpha", 5000, new Distribution.Log10Uniform(1, 4), "α, gradient-alignment weight"),
                    Hyperparameter.real("hess_beta", 1000, new Distribution.Log10Uniform(1, 4), "β, Hessian-alignment weight"),
                    Hyperparameter.integer("penalty_anneal_iters", 2500,
                            new Distribution.Choice(List.of("500", "1500", "2500", "3500", "4500")), "steps before the penalties start"),
                    Hyperparameter.word("normalization", "domainbed", "c_g, c_h preset: domainbed, isr or none"),
                    Hyperparameter.word("cross_entropy", "pooled", "ERM term: pooled or domain_mean (ISR linear probing)"),
                    Hyperparameter.word("hess_precision", "float64",
                            "float64, or float32 for the blocked form's two n-long products (ProductPrecision)"))),
            (hp, seed) -> new CmaObjective(fromHyperparameters(hp, HessianMode.FULL)),
            penalties(HessianMode.FULL), testSettings());

    /**
     * Registry entry of the diagonal variant (the published snapshot): as {@link #SPEC} but diag(H_e), and
     * penalty_anneal_iters 0 ~ int(10^U(2,4)).
     */
    public static final AlgorithmSpec DIAGONAL_SPEC = new AlgorithmSpec(DIAGONAL_NAME,
            "closed-form moment alignment with the Hessian diagonal only",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("grad_alpha", 5000, new Distribution.Log10Uniform(1, 4), "α, gradient-alignment weight"),
                    Hyperparameter.real("hess_beta", 1000, new Distribution.Log10Uniform(1, 4), "β, Hessian-alignment weight"),
                    Hyperparameter.integer("penalty_anneal_iters", 0, new Distribution.IntPowUniform(10, 2, 4), "steps before the penalties start"),
                    Hyperparameter.word("normalization", "domainbed", "c_g, c_h preset: domainbed, isr or none"),
                    Hyperparameter.word("cross_entropy", "pooled", "ERM term: pooled or domain_mean (ISR linear probing)"))),
            (hp, seed) -> new CmaObjective(fromHyperparameters(hp, HessianMode.DIAGONAL)),
            penalties(HessianMode.DIAGONAL), testSettings());

    private final Config config;
    private final GradientAlignmentPenalty gradient;
    private final HessianAlignmentPenalty hessian;

    /** The two penalties, off (weight 0) before penalty_anneal_iters. */
    private static List<PenaltySpec> penalties(HessianMode mode) {
        return List.of(
                PenaltySpec.annealed("gradPenalty", "alpha", "grad_alpha", "penalty_anneal_iters", hp -> 0.0, true,
                        (hp, seed) -> new GradientAlignmentPenalty(fromHyperparameters(hp, mode).normalization())),
                PenaltySpec.annealed("hessPenalty", "beta", "hess_beta", "penalty_anneal_iters", hp -> 0.0, true,
                        (hp, seed) -> hessianPenalty(fromHyperparameters(hp, mode))));
    }

    private static Map<String, String> testSettings() {
        return Map.of("grad_alpha", "3", "hess_beta", "5", "penalty_anneal_iters", "0", "normalization", "none");
    }

    private static HessianAlignmentPenalty hessianPenalty(Config config) {
        return new HessianAlignmentPenalty(config.normalization(), config.hessianMode(), config.hessianForm(), config.precision());
    }

    /**
     * Settings of the CMA objective.
     *
     * @param alpha         α, weight of the gradient penalty, {@code >= 0}.
     * @param beta          β, weight of the Hessian penalty, {@code >= 0}.
     * @param annealSteps   T_anneal: the penalties are off before this step.
     * @param normalization c_g and c_h.
     * @param hessianMode   full Hessian or its diagonal.
     * @param hessianForm   how the full-Hessian penalty is computed.
     * @param crossEntropy  how the ERM term averages.
     * @param precision     arithmetic of the blocked form's long products (the Gram form, chosen for small
     *                      batches, is float64 whatever this says).
     */
    public record Config(double alpha, double beta, long annealSteps, Normalization normalization,
                         HessianMode hessianMode, HessianForm hessianForm, CrossEntropyMode crossEntropy,
                         ProductPrecision precision) {
        /**
         * Validates the settings.
         *
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public Config {
            Checks.nonNegativeFinite("alpha", alpha);
            Checks.nonNegativeFinite("beta", beta);
            Checks.nonNegative("annealSteps", annealSteps);
            if (normalization == null || hessianMode == null || hessianForm == null || crossEntropy == null
                    || precision == null) {
                throw new IllegalArgumentException(
                        "normalization, hessianMode, hessianForm, crossEntropy and precision must be non-null");
            }
        }

        /** The settings with float64 products. */
        public Config(double alpha, double beta, long annealSteps, Normalization normalization,
                      HessianMode hessianMode, HessianForm hessianForm, CrossEntropyMode crossEntropy) {
            this(alpha, beta, annealSteps, normalization, hessianMode, hessianForm, crossEntropy, ProductPrecision.FLOAT64);
        }

        /**
         * The authors' DomainBed defaults (docs/math.md §3.2): α = 5000, β = 1000, T_anneal = 2500, c_g = 1/√C,
         * c_h = 1/C, full Hessian, automatic form, pooled cross-entropy.
         *
         * @return the defaults.
         */
        public static Config domainBedDefaults() {
            return new Config(5000, 1000, 2500, Normalization.domainBed(), HessianMode.FULL, HessianForm.AUTO,
                    CrossEntropyMode.POOLED);
        }

        /**
         * The paper's linear-probing convention: ISR constants c_g = c_h = 1/(C·D), domain-mean cross-entropy, no
         * annealing, full Hessian.
         *
         * @param alpha α.
         * @param beta  β.
         * @return the settings.
         */
        public static Config linearProbing(double alpha, double beta) {
            return new Config(alpha, beta, 0, Normalization.isr(), HessianMode.FULL, HessianForm.AUTO,
                    CrossEntropyMode.DOMAIN_MEAN);
        }

        /** @return a copy with these weights. */
        public Config withWeights(double alpha, double beta) {
            return new Config(alpha, beta, annealSteps, normalization, hessianMode, hessianForm, crossEntropy, precision);
        }

        /** @return a copy with this anneal step. */
        public Config withAnnealSteps(long annealSteps) {
            return new Config(alpha, beta, annealSteps, normalization, hessianMode, hessianForm, crossEntropy, precision);
        }



        /** @return a copy with this Hessian form. */
        public Config withHessianForm(HessianForm hessianForm) {
            return new Config(alpha, beta, annealSteps, normalization, hessianMode, hessianForm, crossEntropy, precision);
        }


        /** @return a copy with this cross-entropy convention. */
        public Config withCrossEntropy(CrossEntropyMode crossEntropy) {
            return new Config(alpha, beta, annealSteps, normalization, hessianMode, hessianForm, crossEntropy, precision);
        }
    }

    private static Config fromHyperparameters(Hyperparameters hp, HessianMode mode) {
        String ce = hp.getString("cross_entropy");
        CrossEntropyMode crossEntropy = switch (ce.toLowerCase(java.util.Locale.ROOT)) {
            case "pooled" -> CrossEntropyMode.POOLED;
            case "domain_mean" -> CrossEntropyMode.DOMAIN_MEAN;
            default -> throw new IllegalArgumentException("cross_entropy must be pooled or domain_mean, got '" + ce + "'");
        };
        Checks.nonNegativeFinite("grad_alpha", hp.getDouble("grad_alpha"));     // named as the user wrote them
        Checks.nonNegativeFinite("hess_beta", hp.getDouble("hess_beta"));
        Checks.nonNegative("penalty_anneal_iters", hp.getLong("penalty_anneal_iters"));
        return new Config(hp.getDouble("grad_alpha"), hp.getDouble("hess_beta"), hp.getLong("penalty_anneal_iters"),
                Normalization.ofPreset(hp.getString("normalization")), mode, HessianForm.AUTO, crossEntropy,
                mode == HessianMode.FULL ? ProductPrecision.parse(hp.getString("hess_precision")) : ProductPrecision.FLOAT64);
    }

    /**
     * @param config the settings. Not modified.
     */
    public CmaObjective(Config config) {
        if (config == null) {
            throw new IllegalArgumentException("config is null");
        }
        this.config = config;
        this.gradient = new GradientAlignmentPenalty(config.normalization());
        this.hessian = hessianPenalty(config);
    }

    /** @return the settings. */
    public Config config() {
        return config;
    }

    @Override
    public String name() {
        return config.hessianMode() == HessianMode.DIAGONAL ? DIAGONAL_NAME : NAME;
    }

    /**
     * @return the form the last full-Hessian evaluation used (GRAM or BLOCKED), or null if none has run yet.
     */
    public HessianForm lastHessianForm() {
        return hessian.lastForm();
    }

    /**
     * {@inheritDoc}
     * <p>
     * {@link ObjectiveResult#terms()} holds {@code crossEntropy}, {@code alpha} and {@code beta} (the weights in
     * force), and — once the penalties are on — {@code gradPenalty} and {@code hessPenalty} (unweighted).
     */
    @Override
    public ObjectiveResult evaluate(HeadBatch batch, DMatrixRMaj W, long step, boolean featureGradients) {
        Checks.nonNegative("step", step);
        HeadPass pass = new HeadPass(batch, W, featureGradients);
        double ce = pass.addCrossEntropy(config.crossEntropy(), 1.0);
        boolean active = step >= config.annealSteps();
        double alpha = active ? config.alpha() : 0.0;
        double beta = active ? config.beta() : 0.0;
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("crossEntropy", ce);
        terms.put("alpha", alpha);
        terms.put("beta", beta);
        double value = ce;
        if (active) {
            if (beta > 0 && hessian.chooseForm(pass) == HessianForm.GRAM) {
                double[] both = hessian.addBothInGramForm(pass, config.normalization(), alpha, beta);
                terms.put("gradPenalty", both[0]);
                terms.put("hessPenalty", both[1]);
                value += alpha * both[0] + beta * both[1];
            } else {
                double gradPenalty = gradient.addTo(pass, step, alpha);
                terms.put("gradPenalty", gradPenalty);
                value += alpha * gradPenalty;
                if (beta > 0) {
                    double hessPenalty = hessian.addTo(pass, step, beta);
                    terms.put("hessPenalty", hessPenalty);
                    value += beta * hessPenalty;
                }
            }
        }
        boolean reset = config.annealSteps() > 0 && step == config.annealSteps();
        return pass.finish(value, ce, terms, reset);
    }
}
