package io.e2i.featurestore.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module layout of docs/architecture.md, held against the code twice: the poms (what a module
 * may depend on) and the classes (what a package may import). The CLI's tests see every production
 * module on their classpath, so the check lives here.
 */
class ArchitectureTest {
  /** Production modules, bottom first: a module may depend only on modules before it. */
  private static final List<String> ORDER =
      List.of(
          "featurestore-core",
          "featurestore-io",
          "featurestore-embedded",
          "featurestore-postgres",
          "featurestore-redis",
          "featurestore-mlflow",
          "featurestore-quality",
          "featurestore-pipelines",
          "featurestore-server",
          "featurestore-cli");

  /** Backends plug into the core's SPI; none may depend on another, in main code or tests. */
  private static final Set<String> BACKENDS =
      Set.of(
          "featurestore-embedded",
          "featurestore-postgres",
          "featurestore-redis",
          "featurestore-mlflow");

  /** What each module's main code may depend on, beyond the core. */
  private static final Map<String, Set<String>> ALLOWED =
      Map.of(
          "featurestore-core", Set.of(),
          "featurestore-io", Set.of("featurestore-core"),
          "featurestore-embedded", Set.of("featurestore-core", "featurestore-io"),
          "featurestore-postgres", Set.of("featurestore-core", "featurestore-io"),
          "featurestore-redis", Set.of("featurestore-core"),
          "featurestore-mlflow", Set.of("featurestore-core"),
          "featurestore-quality", Set.of("featurestore-core"),
          "featurestore-pipelines", Set.of("featurestore-core"),
          "featurestore-server",
              Set.of("featurestore-core", "featurestore-io", "featurestore-quality"),
          "featurestore-cli", Set.copyOf(ORDER.subList(0, ORDER.size() - 1)));

  private static final Pattern DEPENDENCY =
      Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
  private static final Pattern ARTIFACT = Pattern.compile("<artifactId>(featurestore-[a-z]+)<");

  record PomDependency(String module, String dependsOn, boolean testScope) {}

  @Test
  void everyProductionModuleIsInTheLayout() throws Exception {
    try (Stream<Path> dirs = Files.list(root())) {
      List<String> modules =
          dirs.map(p -> p.getFileName().toString())
              .filter(
                  n ->
                      n.startsWith("featurestore-") && Files.exists(root().resolve(n + "/pom.xml")))
              .filter(n -> !n.equals("featurestore-bench"))
              .sorted()
              .toList();
      assertThat(modules).containsExactlyInAnyOrderElementsOf(ORDER);
    }
  }

  @Test
  void pomsDependOnlyOnWhatTheLayoutAllows() throws Exception {
    List<String> violations = new ArrayList<>();
    for (String module : ORDER) {
      for (PomDependency d : dependencies(module)) {
        boolean allowed =
            d.testScope()
                ? ORDER.indexOf(d.dependsOn()) < ORDER.indexOf(module)
                    && !(BACKENDS.contains(module)
                        && BACKENDS.contains(d.dependsOn())
                        && !d.dependsOn().equals("featurestore-embedded"))
                : ALLOWED.get(module).contains(d.dependsOn());
        if (!allowed) {
          violations.add(module + " -> " + d.dependsOn() + (d.testScope() ? " (test scope)" : ""));
        }
      }
    }
    assertThat(violations).as("module dependencies outside docs/architecture.md").isEmpty();
  }

  @Test
  void packagesImportOnlyWhatTheLayoutAllows() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("io.e2i.featurestore");
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Core")
        .definedBy("io.e2i.featurestore", "io.e2i.featurestore.spi")
        .layer("Io")
        .definedBy("io.e2i.featurestore.io..")
        .layer("Embedded")
        .definedBy("io.e2i.featurestore.embedded..")
        .layer("Postgres")
        .definedBy("io.e2i.featurestore.postgres..")
        .layer("Redis")
        .definedBy("io.e2i.featurestore.redis..")
        .layer("Mlflow")
        .definedBy("io.e2i.featurestore.mlflow..")
        .layer("Quality")
        .definedBy("io.e2i.featurestore.quality..")
        .layer("Pipelines")
        .definedBy("io.e2i.featurestore.pipelines..")
        .layer("Server")
        .definedBy("io.e2i.featurestore.server..")
        .layer("Cli")
        .definedBy("io.e2i.featurestore.cli..")
        .whereLayer("Cli")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("Server")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Embedded")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Postgres")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Redis")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Mlflow")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Pipelines")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("Quality")
        .mayOnlyBeAccessedByLayers("Server", "Cli")
        .whereLayer("Io")
        .mayOnlyBeAccessedByLayers("Embedded", "Postgres", "Server", "Cli")
        .check(classes);
  }

  private static List<PomDependency> dependencies(String module) throws Exception {
    String pom = Files.readString(root().resolve(module).resolve("pom.xml"));
    int start = pom.indexOf("<dependencies>");
    if (start < 0) {
      return List.of();
    }
    String section = pom.substring(start, pom.indexOf("</dependencies>", start));
    List<PomDependency> out = new ArrayList<>();
    Matcher m = DEPENDENCY.matcher(section);
    while (m.find()) {
      Matcher a = ARTIFACT.matcher(m.group(1));
      if (a.find()) {
        out.add(new PomDependency(module, a.group(1), m.group(1).contains("<scope>test</scope>")));
      }
    }
    return out;
  }

  /** Surefire runs in the module's folder; the repository root is its parent. */
  private static Path root() {
    Path here = Path.of("").toAbsolutePath();
    return Files.exists(here.resolve("featurestore-core")) ? here : here.getParent();
  }
}
