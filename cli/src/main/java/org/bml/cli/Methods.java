package org.bml.cli;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bml.algorithms.Anil;
import org.bml.algorithms.BayesianProtoNet;
import org.bml.algorithms.Fomaml;
import org.bml.algorithms.Maml;
import org.bml.algorithms.MatchingNet;
import org.bml.algorithms.MetaLearner;
import org.bml.algorithms.MetaSgd;
import org.bml.algorithms.ProtoNet;
import org.bml.algorithms.Reptile;
import org.bml.core.model.Model;
import org.bml.datasets.TaskKind;
import org.bml.inference.GradientOrder;

/**
 * The methods {@code ./bml train --method NAME} knows: each entry maps a name, the task kinds it
 * handles, its own hyperparameters ({@code --hp name=value}, with defaults) and a factory from a
 * {@link MethodContext} to a {@link MetaLearner}. Adding a method is one {@link #register} call
 * in the static block below. Checkpoints record the method's name and hyperparameters, so
 * {@code eval} and {@code predict} rebuild the same learner through the same entry.
 */
public final class Methods {
  /** A method-specific hyperparameter with its default (a string, parsed by the factory). */
  public record Hyper(String name, String defaultValue, String description) {}

  /** Builds the learner; throws {@link BadInputException} (or IllegalArgumentException) on bad values. */
  @FunctionalInterface
  public interface Factory {
    MetaLearner create(MethodContext context);
  }

  /**
   * A registry entry.
   *
   * @param kinds the task kinds (regression, classification) the method handles
   */
  public record Method(String name, String summary, Set<TaskKind> kinds, List<Hyper> hyperparameters,
      Factory factory) {
    public Method {
      kinds = Collections.unmodifiableSet(EnumSet.copyOf(kinds));
      hyperparameters = List.copyOf(hyperparameters);
    }
  }

  private static final Map<String, Method> REGISTRY = new LinkedHashMap<>();
  private static final Set<TaskKind> BOTH = EnumSet.allOf(TaskKind.class);
  private static final Set<TaskKind> CLASSIFICATION = EnumSet.of(TaskKind.CLASSIFICATION);

  static {
    register(new Method("maml", "second-order MAML (Finn et al. 2017)", BOTH, List.of(), c -> {
      Model m = c.predictor();
      return new Maml(m, c.likelihood(m), c.innerSteps(), c.innerLr(), GradientOrder.SECOND);
    }));
    register(new Method("fomaml", "first-order MAML (Finn et al. 2017, §5.2)", BOTH, List.of(), c -> {
      Model m = c.predictor();
      return Fomaml.create(m, c.likelihood(m), c.innerSteps(), c.innerLr());
    }));
    register(new Method("reptile", "Reptile (Nichol et al. 2018)", BOTH,
        List.of(new Hyper("inner-data", "support-and-query",
            "examples of a training task the inner loop uses: support-and-query or support")), c -> {
              Model m = c.predictor();
              Reptile.InnerData data = c.hp().choice("inner-data", "support-and-query", "support").equals("support")
                  ? Reptile.InnerData.SUPPORT : Reptile.InnerData.SUPPORT_AND_QUERY;
              return new Reptile(m, c.likelihood(m), c.innerSteps(), c.innerLr(), data);
            }));
    register(new Method("anil", "ANIL, only the last layer adapted (Raghu et al. 2020)", BOTH,
        List.of(new Hyper("order", "second", "meta-gradient through the inner loop: second or first")), c -> {
          Model m = c.predictor();
          return new Anil(m, c.likelihood(m), c.headNames(m), c.innerSteps(), c.innerLr(), c.gradientOrder());
        }));
    register(new Method("meta-sgd", "Meta-SGD, learned per-parameter step sizes starting at --inner-lr (Li et al. 2017)",
        BOTH, List.of(), c -> {
          Model m = c.predictor();
          return new MetaSgd(m, c.likelihood(m), c.innerSteps(), c.innerLr(), GradientOrder.SECOND);
        }));
    register(new Method("protonet", "prototypical networks (Snell et al. 2017)", CLASSIFICATION,
        List.of(new Hyper("temperature", "1", "τ dividing the squared distances")),
        c -> new ProtoNet(c.embedding(), c.hp().positive("temperature", false))));
    register(new Method("matching", "matching networks, cosine attention (Vinyals et al. 2016)", CLASSIFICATION,
        List.of(new Hyper("scale", "1", "s multiplying the cosine similarities")),
        c -> new MatchingNet(c.embedding(), c.hp().positive("scale", false))));
    register(new Method("bayes-protonet", "Bayesian prototypical network (Gaussian class-mean posterior)",
        CLASSIFICATION,
        List.of(new Hyper("prior-variance", "inf", "σ0² of the class-mean prior (inf: flat)"),
            new Hyper("observation-variance", "1", "σ² of embeddings around their class mean (initial value if learned)"),
            new Hyper("learn-variance", "true", "whether log σ² is meta-learned")),
        c -> new BayesianProtoNet(c.embedding(), c.hp().positive("prior-variance", true),
            c.hp().positive("observation-variance", false), c.hp().bool("learn-variance"))));
    BayesianMethods.registerAll();
    FieldMethodsPart1.registerAll();
    FieldMethodsPart2.registerAll();
    MetaLstmMethods.registerAll();
    GnnHyperMethods.registerAll();
    ComposedMethods.registerAll();
    MannMethods.registerAll();
    SibArmlMethods.registerAll();
  }

  private Methods() {}

  /** Adds a method; its name must be new. */
  public static synchronized void register(Method method) {
    if (REGISTRY.containsKey(method.name())) {
      throw new IllegalStateException("method '" + method.name() + "' is already registered");
    }
    REGISTRY.put(method.name(), method);
  }

  /** The entry for a name, or a {@link BadInputException} listing the known names. */
  public static synchronized Method get(String name) {
    Method m = REGISTRY.get(name);
    if (m == null) {
      throw new BadInputException("unknown method '" + name + "' (have: " + String.join(", ", REGISTRY.keySet()) + ")");
    }
    return m;
  }

  public static synchronized List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  /** Completion candidates for picocli's help. */
  static final class Names implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return names().iterator();
    }
  }
}
