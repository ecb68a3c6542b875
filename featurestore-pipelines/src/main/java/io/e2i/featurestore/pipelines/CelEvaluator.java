package io.e2i.featurestore.pipelines;

import com.google.protobuf.Timestamp;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelReference;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.OnDemandEvaluator;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * On-demand features in CEL (Common Expression Language, Google's {@code dev.cel} library). The
 * expression sees each stored feature of its group and entity as a variable of the feature's type
 * (int64 as int, float64 as double, string, bool, timestamp, lists of those) and the request values
 * as {@code request}, a map of string to dyn. It is parsed and type-checked when the feature is
 * defined: an unknown name, a type error or a result of another type than the feature's is a 400
 * then. An int result is accepted for a float64 feature; a dyn result (from {@code request}) is
 * checked against the feature's type per evaluation.
 */
public final class CelEvaluator implements OnDemandEvaluator {
  /** The variable holding request values. */
  public static final String REQUEST = "request";

  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  @Override
  public Expression compile(
      String feature, String expression, Map<String, ValueType> inputs, ValueType resultType) {
    CelCompilerBuilder builder =
        CelCompilerFactory.standardCelCompilerBuilder()
            .addVar(REQUEST, MapType.create(SimpleType.STRING, SimpleType.DYN));
    for (Map.Entry<String, ValueType> e : inputs.entrySet()) {
      if (!e.getKey().equals(REQUEST)) {
        builder.addVar(e.getKey(), celType(e.getValue()));
      }
    }
    CelCompiler compiler = builder.build();
    CelAbstractSyntaxTree ast;
    try {
      CelValidationResult result = compiler.compile(expression);
      ast = result.getAst();
    } catch (CelValidationException e) {
      throw FeatureStoreException.invalid(
          "feature '" + feature + "': expression does not compile: " + oneLine(e.getMessage()));
    }
    CelType produced = ast.getResultType();
    if (!fits(produced, resultType)) {
      throw FeatureStoreException.invalid(
          "feature '"
              + feature
              + "' is "
              + resultType.wireName()
              + ", but its expression gives "
              + produced.name());
    }
    Set<String> used = new TreeSet<>();
    for (CelReference ref : ast.getReferenceMap().values()) {
      if (inputs.containsKey(ref.name()) && !ref.name().equals(REQUEST)) {
        used.add(ref.name());
      }
    }
    try {
      return new Compiled(RUNTIME.createProgram(ast), Set.copyOf(used), resultType);
    } catch (CelEvaluationException e) {
      throw FeatureStoreException.invalid(
          "feature '" + feature + "': expression cannot run: " + oneLine(e.getMessage()));
    }
  }

  private static String oneLine(@Nullable String message) {
    String m = String.valueOf(message).strip();
    // CEL's message quotes the expression under the error with a caret; keep it on one line.
    return m.replaceAll("\\s*\\n\\s*\\|\\s*", " | ").replaceAll("\\s+", " ");
  }

  private static boolean fits(CelType produced, ValueType wanted) {
    if (produced.equals(SimpleType.DYN)) {
      return true;
    }
    if (produced.equals(celType(wanted))) {
      return true;
    }
    return wanted == ValueType.FLOAT64 && produced.equals(SimpleType.INT);
  }

  static CelType celType(ValueType t) {
    return switch (t) {
      case STRING -> SimpleType.STRING;
      case INT64 -> SimpleType.INT;
      case FLOAT64 -> SimpleType.DOUBLE;
      case BOOL -> SimpleType.BOOL;
      case TIMESTAMP -> SimpleType.TIMESTAMP;
      case STRING_LIST -> ListType.create(SimpleType.STRING);
      case INT64_LIST -> ListType.create(SimpleType.INT);
      case FLOAT64_LIST -> ListType.create(SimpleType.DOUBLE);
      case BOOL_LIST -> ListType.create(SimpleType.BOOL);
      case TIMESTAMP_LIST -> ListType.create(SimpleType.TIMESTAMP);
    };
  }

  /** A checked program; CEL programs are immutable and thread-safe. */
  private record Compiled(dev.cel.runtime.Program program, Set<String> inputs, ValueType type)
      implements Expression {

    @Override
    public @Nullable Object evaluate(Map<String, ?> inputs, Map<String, ?> request) {
      Map<String, Object> vars = new HashMap<>(inputs.size() + 1);
      for (Map.Entry<String, ?> e : inputs.entrySet()) {
        Object v = toCel(e.getValue());
        if (v != null) {
          vars.put(e.getKey(), v);
        }
      }
      Map<String, Object> req = new HashMap<>(request.size());
      for (Map.Entry<String, ?> e : request.entrySet()) {
        Object v = toCel(e.getValue());
        if (v != null) {
          req.put(e.getKey(), v);
        }
      }
      vars.put(REQUEST, req);
      try {
        Object out = fromCel(program.eval(vars));
        return out == null ? null : type.normalize(out);
      } catch (CelEvaluationException | IllegalArgumentException e) {
        return null; // a missing request value, a division by zero, a dyn of the wrong type
      }
    }
  }

  static @Nullable Object toCel(@Nullable Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof BigDecimal d) {
      return d.scale() <= 0 && d.toBigInteger().bitLength() < 64
          ? (Object) d.longValue()
          : (Object) d.doubleValue();
    }
    if (v instanceof BigInteger b) {
      return b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
    }
    if (v instanceof Instant i) {
      return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
    if (v instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object item : list) {
        Object c = toCel(item);
        if (c != null) {
          out.add(c);
        }
      }
      return out;
    }
    return v;
  }

  static @Nullable Object fromCel(@Nullable Object v) {
    if (v instanceof Timestamp t) {
      return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
    if (v instanceof com.google.common.primitives.UnsignedLong u) {
      return u.longValue();
    }
    if (v instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object item : list) {
        out.add(fromCel(item));
      }
      return out;
    }
    return v;
  }
}
