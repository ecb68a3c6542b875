/**
 * The {@code featurestore} command line (picocli): configuration, {@code apply}, {@code ingest},
 * reads, training data and {@code serve}.
 */
@NullMarked
package io.e2i.featurestore.cli;

import org.jspecify.annotations.NullMarked;
