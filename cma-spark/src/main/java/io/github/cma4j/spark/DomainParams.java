package io.github.cma4j.spark;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parameters {@link DomainLogisticRegression} and its model share (Spark ML keeps them in a trait; Java makes
 * one set per instance here, each owned by that instance's uid). The model keeps every training setting, so that
 * a saved model says how to train it again.
 */
final class DomainParams implements Serializable {
    final Param<String> domainCol;
    final Param<String> algorithm;
    final Param<String> hyperparameters;
    final Param<String> optimizer;
    final IntParam maxIter;
    final DoubleParam tol;
    final IntParam memory;
    final DoubleParam stepSize;
    final BooleanParam fitIntercept;

    /**
     * The uid of the instance under construction. Spark's shared parameters (featuresCol, …) are created by the Scala
     * superclass's constructor, which asks for the uid before a Java subclass's fields are set; the subclass's
     * constructor stores its uid here first ({@link #constructing}) and answers {@code uid()} from it until its own
     * field is set.
     */
    private static final ThreadLocal<String> CONSTRUCTING = new ThreadLocal<>();

    static String constructing(String uid) {
        CONSTRUCTING.set(uid);
        return uid;
    }

    static String uidOf(String field) {
        return field != null ? field : CONSTRUCTING.get();
    }

    static void constructed() {
        CONSTRUCTING.remove();
    }

    DomainParams(Params owner) {
        String uid = owner.uid();
        domainCol = new Param<>(uid, "domainCol", "the column naming each row's domain (string or integer)");
        algorithm = new Param<>(uid, "algorithm", "a cma4j registry name with a distributed form: ERM, IRM, VREx, "
                + "Fishr, GroupDRO, CMA, CMA-diag");
        hyperparameters = new Param<>(uid, "hyperparameters", "the algorithm's hyperparameters as key=value pairs "
                + "separated by commas; unset keys keep the registry's defaults");
        optimizer = new Param<>(uid, "optimizer", "lbfgs (to convergence, penalties at full weight) or adam "
                + "(maxIter full-batch steps, with the warm-ups)", ParamValidators.inArray(new String[]{"lbfgs", "adam"}));
        maxIter = new IntParam(uid, "maxIter", "L-BFGS iterations or Adam steps (>= 0)", ParamValidators.gtEq(0));
        tol = new DoubleParam(uid, "tol", "L-BFGS's convergence tolerance (> 0)", ParamValidators.gt(0));
        memory = new IntParam(uid, "memory", "L-BFGS's number of correction pairs (>= 1)", ParamValidators.gtEq(1));
        stepSize = new DoubleParam(uid, "stepSize", "Adam's learning rate (> 0)", ParamValidators.gt(0));
        fitIntercept = new BooleanParam(uid, "fitIntercept", "whether to fit an intercept (a constant-1 feature)");
    }

    /** Sets the defaults on {@code owner}. */
    void setDefaults(Params owner) {
        owner.setDefault(domainCol, "domain");
        owner.setDefault(algorithm, "CMA");
        owner.setDefault(hyperparameters, "");
        owner.setDefault(optimizer, "lbfgs");
        owner.setDefault(maxIter, 100);
        owner.setDefault(tol, 1e-6);
        owner.setDefault(memory, 10);
        owner.setDefault(stepSize, 1e-3);
        owner.setDefault(fitIntercept, true);
    }

    /**
     * @return {@code key=value,...}, keys sorted.
     * @throws IllegalArgumentException naming a key or value that contains ',' or '='.
     */
    static String encode(Map<String, String> hyperparameters) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(hyperparameters).entrySet()) {
            for (String s : new String[]{e.getKey(), e.getValue()}) {
                if (s.contains(",") || s.contains("=") || s.isBlank()) {
                    throw new IllegalArgumentException("hyperparameter " + e.getKey() + "=" + e.getValue()
                            + ": keys and values must be non-empty and contain no ',' or '='");
                }
            }
            out.append(out.length() == 0 ? "" : ",").append(e.getKey().trim()).append('=').append(e.getValue().trim());
        }
        return out.toString();
    }

    /**
     * @return the pairs of {@link #encode}'s form, in order.
     * @throws IllegalArgumentException naming a pair that is not key=value.
     */
    static Map<String, String> decode(String encoded) {
        Map<String, String> out = new LinkedHashMap<>();
        if (encoded.isBlank()) {
            return out;
        }
        for (String pair : encoded.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1 || pair.indexOf('=', eq + 1) >= 0) {
                throw new IllegalArgumentException("hyperparameters: '" + pair + "' is not key=value (in '" + encoded + "')");
            }
            out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return out;
    }
}
