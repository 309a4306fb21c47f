// cma4j notebook — run it line by line with `./cma4j jshell` (which opens jshell with the project's classpath
// and this file), or paste the lines into any jshell that has cma-cli (or cma-tribuo and datasets) and their dependencies on the class path.

import io.github.cma4j.datasets.*;
import io.github.cma4j.datasets.build.*;
import io.github.cma4j.tribuo.*;
import io.github.cma4j.tribuo.data.*;
import io.github.cma4j.tribuo.optim.*;
import org.tribuo.*;
import org.tribuo.classification.*;
import org.tribuo.classification.sgd.linear.*;
import org.tribuo.dataset.*;
import java.nio.file.*;
import java.util.*;

// 1. A multi-domain dataset: a binary label, a spurious attribute that agrees with it 95% of the time in one
//    training domain and 80% in the other, and balanced validation and test domains (groups = label x attribute).
var data = SpuriousFeatureSuite.build(SpuriousFeatureSuite.Params.defaults(), 0);
System.out.println(data);

// As a Tribuo dataset: every example carries its domain (and group) in metadata.
var all = TribuoDatasets.toTribuo(data);
var train = DatasetView.createView(all, ex -> ex.getMetadataValue("domain").get().toString().startsWith("train"), "train");

// 2. ERM and closed-form moment alignment (CMA) with the same trainer: bias-free head, batches of 500, Adam,
//    the paper's linear-probing constants. ERM is the same pipeline with both penalty weights 0.
Map<String, String> ermParams = Map.of("grad_alpha", "0", "hess_beta", "0", "normalization", "isr", "cross_entropy", "domain_mean");
Map<String, String> cmaParams = Map.of("grad_alpha", "1000000", "hess_beta", "10000", "penalty_anneal_iters", "0",
        "normalization", "isr", "cross_entropy", "domain_mean");
var ermTrainer = new DomainLinearSGDTrainer("CMA", ermParams, new AdamOptimiser(1e-2), 60, 500, BatchMode.POOLED, false, 0);
var cmaTrainer = new DomainLinearSGDTrainer("CMA", cmaParams, new AdamOptimiser(1e-2), 60, 500, BatchMode.POOLED, false, 0);
var ermModel = ermTrainer.train(train);
var cmaModel = cmaTrainer.train(train);

// 3. Per-domain and worst-group accuracy: ERM leans on the attribute and fails the minority groups.
var ermReport = DomainEvaluation.of(ermModel, all, "domain", "group");
var cmaReport = DomainEvaluation.of(cmaModel, all, "domain", "group");
System.out.println("ERM\n" + ermReport);
System.out.println("CMA\n" + cmaReport);

// 4. The penalty terms at the first and the last step of CMA's training.
cmaTrainer.lastTrainingLog().get(0).terms();
cmaTrainer.lastTrainingLog().get(cmaTrainer.lastTrainingLog().size() - 1).terms();

// The model is a plain Tribuo LinearSGDModel: its heaviest features per class.
cmaModel.getTopFeatures(3);

// 5. Save and reload.
var file = Files.createTempFile("cma4j-notebook", ".tribuo");
cmaModel.serializeToFile(file);
var reloaded = (LinearSGDModel) Model.deserializeFromFile(file);
Files.delete(file);

// Final check line (the test that runs this notebook looks for it).
System.out.println(Arrays.deepEquals(cmaModel.getWeightsCopy().toArray(), reloaded.getWeightsCopy().toArray())
        && cmaReport.worstGroupAccuracy() > ermReport.worstGroupAccuracy() ? "NOTEBOOK CHECK OK" : "NOTEBOOK CHECK FAILED");
