// cma4j notebook: a first hour with cma4j. Run it with `./cma4j jshell` (jshell with the project's class path runs
// this file, then leaves the prompt open with its variables), or paste the cells into any jshell whose class path
// has the cma-cli jar and its dependencies (`mvn -B -ntp dependency:build-classpath -pl cma-cli`). Every cell
// prints what it shows, after a line "[N] ...".

import io.github.cma4j.core.algorithm.*;
import io.github.cma4j.core.head.*;
import io.github.cma4j.core.objective.*;
import io.github.cma4j.datasets.*;
import io.github.cma4j.datasets.build.*;
import io.github.cma4j.tribuo.*;
import io.github.cma4j.tribuo.data.*;
import io.github.cma4j.tribuo.optim.*;
import org.tribuo.*;
import org.tribuo.classification.*;
import org.tribuo.classification.sgd.linear.*;
import org.tribuo.data.columnar.*;
import org.tribuo.data.columnar.extractors.*;
import org.tribuo.data.columnar.processors.field.*;
import org.tribuo.data.columnar.processors.response.*;
import org.tribuo.data.csv.*;
import org.tribuo.dataset.*;
import org.tribuo.impl.*;
import org.ejml.data.DMatrixRMaj;
import java.nio.file.*;
import java.util.*;

// [1] A multi-domain dataset: a binary label, a spurious attribute that agrees with it 95% of the time in one
//     training domain and 80% in the other, balanced validation and test domains. Look at the domains' sizes.
var data = SpuriousFeatureSuite.build(SpuriousFeatureSuite.Params.defaults(), 0);
var all = TribuoDatasets.toTribuo(data);
var train = DatasetView.createView(all, ex -> ex.getMetadataValue("domain").get().toString().startsWith("train"), "train");
System.out.println("[1] " + data);

// [2] ERM and closed-form moment alignment (CMA) with the same trainer: a bias-free head, batches of 500, Adam,
//     the paper's linear-probing constants; ERM is the same pipeline with both penalty weights 0. Look at the
//     worst group: ERM leans on the attribute and fails the minority groups; CMA does not as much.
Map<String, String> ermParams = Map.of("grad_alpha", "0", "hess_beta", "0", "normalization", "isr", "cross_entropy", "domain_mean");
Map<String, String> cmaParams = Map.of("grad_alpha", "1000000", "hess_beta", "10000", "penalty_anneal_iters", "0",
        "normalization", "isr", "cross_entropy", "domain_mean");
var ermTrainer = new DomainLinearSGDTrainer("CMA", ermParams, new AdamOptimiser(1e-2), 60, 500, BatchMode.POOLED, false, 0);
var cmaTrainer = new DomainLinearSGDTrainer("CMA", cmaParams, new AdamOptimiser(1e-2), 60, 500, BatchMode.POOLED, false, 0);
var ermModel = ermTrainer.train(train);
var cmaModel = cmaTrainer.train(train);
var ermReport = DomainEvaluation.of(ermModel, all, "domain", "group");
var cmaReport = DomainEvaluation.of(cmaModel, all, "domain", "group");
System.out.printf("[2] worst-group accuracy: ERM %.3f, CMA %.3f%nERM%n%sCMA%n%s", ermReport.worstGroupAccuracy(),
        cmaReport.worstGroupAccuracy(), ermReport, cmaReport);

// [3] The training log: CMA's penalty terms (unweighted) and the weights in force at the first and the last step.
var log = cmaTrainer.lastTrainingLog();
System.out.println("[3] first step " + log.get(0).terms() + "\n    last step " + log.get(log.size() - 1).terms());

// [4] Your own data: a small CSV (written here), read the way a Tribuo user reads one, with the site as example
//     metadata. Look at the domains and sizes it found.
var csv = Files.createTempFile("sites", ".csv");
var rng = new SplittableRandom(7);
var lines = new ArrayList<String>(List.of("site,age,score,shortcut,outcome"));
for (String site : List.of("north", "south", "east")) {
    for (int i = 0; i < 150; i++) {
        double age = rng.nextGaussian(), score = rng.nextGaussian();
        boolean yes = age + 0.5 * score > 0;
        double shortcut = (site.equals("east") ? -1 : 1) * (yes ? 1 : -1) + 0.5 * rng.nextGaussian();
        lines.add(String.format(Locale.ROOT, "%s,%.4f,%.4f,%.4f,%s", site, age, score, shortcut, yes ? "yes" : "no"));
    }
}
Files.write(csv, lines);
Map<String, FieldProcessor> fields = new LinkedHashMap<>();
for (String f : List.of("age", "score", "shortcut")) fields.put(f, new DoubleFieldProcessor(f));
var rows = new RowProcessor<Label>(List.of(new IdentityExtractor("site")), null,
        new FieldResponseProcessor<>("outcome", "", new LabelFactory()), fields, Set.of());
var sites = new MutableDataset<Label>(new CSVDataSource<>(csv, rows, true));
var siteTrain = DatasetView.createView(sites, ex -> !"east".equals(ex.getMetadataValue("site").orElse(null)), "north+south");
System.out.println("[4] read " + sites.size() + " examples of " + sites.getFeatureMap().size() + " features; training on "
        + siteTrain.size() + " (north, south), east held out");

// [5] CMA on your data, evaluated per site as Tribuo evaluates: accuracy and macro F1 per domain, the worst one.
var siteTrainer = new DomainLinearSGDTrainer("CMA", Map.of("penalty_anneal_iters", "0"), new AdamOptimiser(0.05), 1, 32,
        BatchMode.DOMAIN_BALANCED, true, 1).withSteps(400).withDomainKey("site");
var siteModel = siteTrainer.train(siteTrain);
var siteReport = new DomainEvaluator("site", null).evaluate(siteModel, sites);
System.out.println("[5] " + siteReport);

// [6] Top features under your own column names (the model is a plain Tribuo LinearSGDModel).
System.out.println("[6] " + siteModel.getTopFeatures(3));

// [7] One penalty alone, through the Regularizer API, on a batch of your own: its value and exact gradients, as
//     you would add it to a training loop of your own (DL4J, DJL, hand-written).
var X = new DMatrixRMaj(6, 3);
for (int i = 0; i < 6; i++) for (int j = 0; j < 3; j++) X.set(i, j, rng.nextGaussian());
var batch = new HeadBatch(X, new int[]{0, 1, 0, 1, 1, 0}, new int[]{0, 0, 0, 1, 1, 1}, 2);
var W = new DMatrixRMaj(new double[][]{{0.1, -0.2, 0.3}, {0.0, 0.4, -0.1}});
var hessAlign = Algorithms.get("CMA").regularizer("hessPenalty", Map.of("normalization", "none"), 0);
var penalty = hessAlign.evaluate(batch, W, 0, true);
System.out.printf("[7] P_hess = %.6g, |dP/dW| = %.6g, |dP/dX| = %.6g%n", penalty.value(),
        org.ejml.dense.row.NormOps_DDRM.normF(penalty.gradW()), org.ejml.dense.row.NormOps_DDRM.normF(penalty.gradFeatures()));

// [8] Save, reload, export to ONNX and predict with ONNX Runtime: the same scores as Tribuo's.
var modelFile = Files.createTempFile("sites", ".tribuo");
siteModel.serializeToFile(modelFile);
var reloaded = (LinearSGDModel) Model.deserializeFromFile(modelFile);
var onnxFile = Files.createTempFile("sites", ".onnx");
reloaded.saveONNXModel("io.github.cma4j.notebook", 1, onnxFile);
var env = ai.onnxruntime.OrtEnvironment.getEnvironment();
var session = env.createSession(onnxFile.toString(), new ai.onnxruntime.OrtSession.SessionOptions());
var first = sites.getExample(0);
var featureMap = reloaded.getFeatureIDMap();
float[] input = new float[featureMap.size()];
for (var f : first) input[featureMap.getID(f.getName())] = (float) f.getValue();
var tensor = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(input), new long[]{1, input.length});
float[][] onnxScores = (float[][]) session.run(Map.of(session.getInputNames().iterator().next(), tensor)).get(0).getValue();
var tribuoScores = reloaded.predict(first).getOutputScores();
System.out.println("[8] ONNX Runtime " + Arrays.toString(onnxScores[0]) + ", Tribuo " + tribuoScores.values().stream()
        .map(l -> String.format(Locale.ROOT, "%s=%.6f", l.getLabel(), l.getScore())).toList());

// [9] Why the model transfers or not: each site's gradient and Hessian gaps to the training sites' mean.
var diagnostics = DomainDiagnostics.of(siteModel, sites, "site", Set.of("east"));
System.out.println("[9] " + diagnostics.verdict() + "\n" + diagnostics.table(false));

// [10] The same CSV on Spark (local[2] here; a cluster's master URL on a cluster): VectorAssembler, then CMA's
//      full-batch L-BFGS, each objective evaluation two tree-aggregates over the rows. Accuracy per site: east, whose
//      shortcut flips while the two training sites agree on it, stays the worst, as in [5].
var sparkSession = org.apache.spark.sql.SparkSession.builder().master("local[2]").appName("notebook").
        config("spark.ui.enabled", "false").getOrCreate();
sparkSession.sparkContext().setLogLevel("ERROR");
var frame = sparkSession.read().option("header", "true").option("inferSchema", "true").csv(csv.toString()).
        withColumn("label", org.apache.spark.sql.functions.expr("CASE WHEN outcome = 'yes' THEN 1.0 ELSE 0.0 END"));
var assembled = new org.apache.spark.ml.feature.VectorAssembler().setInputCols(new String[]{"age", "score", "shortcut"}).
        setOutputCol("features").transform(frame);
var sparkModel = new io.github.cma4j.spark.DomainLogisticRegression().setAlgorithm("CMA").
        setHyperparameters(Map.of("grad_alpha", "100", "hess_beta", "100")).setDomainCol("site").
        fit(assembled.where("site != 'east'"));
var perSite = sparkModel.transform(assembled).groupBy("site").agg(org.apache.spark.sql.functions.expr(
        "round(avg(CASE WHEN prediction = label THEN 1.0 ELSE 0.0 END), 3) AS accuracy")).orderBy("site").collectAsList();
System.out.println("[10] Spark: " + sparkModel.stopReason() + " after " + (sparkModel.objectiveHistory().length - 1) +
        " L-BFGS iterations on " + sparkModel.trainingDomains() + "; accuracy per site " + perSite);
sparkSession.stop();

// Final check line (the test that runs this notebook reads every cell's line and this one).
System.out.println(Arrays.deepEquals(siteModel.getWeightsCopy().toArray(), reloaded.getWeightsCopy().toArray())
        && cmaReport.worstGroupAccuracy() > ermReport.worstGroupAccuracy() ? "NOTEBOOK CHECK OK" : "NOTEBOOK CHECK FAILED");
