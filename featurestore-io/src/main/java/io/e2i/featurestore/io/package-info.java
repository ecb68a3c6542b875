/**
 * File formats shared by the stores, the server and the CLI: spine files read through DuckDB and
 * the JSON, CSV and Parquet training-data writers.
 */
@NullMarked
package io.e2i.featurestore.io;

import org.jspecify.annotations.NullMarked;
